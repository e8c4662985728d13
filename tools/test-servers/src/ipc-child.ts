import type { ChildProcess } from "node:child_process";

/** What a fixture process sends over IPC: an answer to request `id`, or an event (anything with `event`). */
export interface IpcMessage {
  id?: number;
  ok?: boolean;
  value?: unknown;
  error?: { code: string; message: string };
  event?: string;
}

/**
 * A node (or any fixture) in its own OS process, driven over IPC: `request(op, args)` sends `{ id, op, ...args }` and
 * resolves with the answer `{ id, ok, value }` (rejects with an Error carrying `code` for `{ ok: false, error }`);
 * every message with an `event` field is kept in `events`. The child must be spawned with an "ipc" stdio entry;
 * stdout and stderr, when piped, are collected in `logs`. Subclasses may take some events for themselves
 * (`onEvent`) and act when the process exits (`onExit`).
 */
export class IpcChild<E extends { event?: string } = IpcMessage> {
  /** Events the process reported, in order (those `onEvent` did not take). */
  readonly events: E[] = [];
  /** When the process exited (ms since the epoch), once it did. */
  exitedAt: number | undefined = undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly exit: Promise<void>;
  private output = "";

  constructor(
    /** Name used in error messages, e.g. the member name "127.0.0.1:<port>". */
    readonly name: string,
    protected readonly child: ChildProcess,
  ) {
    child.stdout?.on("data", (c: Buffer) => (this.output += c.toString()));
    child.stderr?.on("data", (c: Buffer) => (this.output += c.toString()));
    child.on("message", (m: IpcMessage) => this.received(m));
    this.exit = new Promise((resolve) =>
      child.once("exit", () => {
        this.exitedAt = Date.now();
        this.onExit();
        for (const p of this.pending.values()) p.reject(new Error(`node ${this.name} exited`));
        this.pending.clear();
        resolve();
      }),
    );
  }

  /**
   * Waits for the event "ready" (or `readyEvent`) within `timeoutMs`; SIGKILLs the process and throws with its output
   * when it exits or times out first. Resolves with the ready event.
   */
  protected async whenReady(timeoutMs: number, readyEvent = "ready"): Promise<E> {
    const ready = await Promise.race([
      this.waitFor((e) => e.event === readyEvent, timeoutMs).catch(() => undefined),
      this.exit.then(() => undefined),
    ]);
    if (ready === undefined) {
      await this.kill();
      throw new Error(`node ${this.name} did not become ready within ${timeoutMs} ms (did \`npx tsc -b\` run?):\n${this.output}`);
    }
    return ready;
  }

  /** The OS process id. */
  get pid(): number {
    return this.child.pid as number;
  }

  /** True until the process exited. */
  get running(): boolean {
    return this.exitedAt === undefined;
  }

  /** What the process printed, for failure messages. */
  get logs(): string {
    return this.output;
  }

  /** Sends a command (see the fixture's ops) and resolves with its value, or rejects with an error carrying its code. */
  request<T = unknown>(op: string, args: Record<string, unknown> = {}, timeoutMs = 15_000): Promise<T> {
    if (!this.running) return Promise.reject(new Error(`node ${this.name} exited`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`node ${this.name}: ${op} got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v as T)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.child.send({ id, op, ...args });
    });
  }

  /** Resolves with the first event (past or future) matching `match`; rejects after `timeoutMs` (polls every 20 ms). */
  async waitFor(match: (e: E) => boolean, timeoutMs: number): Promise<E> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(match);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`node ${this.name}: no matching event within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Resolves once the process exited. */
  exited(): Promise<void> {
    return this.exit;
  }

  /** SIGKILLs the process (a crash) and waits for it to exit; resolves with the time the signal was sent. */
  async kill(): Promise<number> {
    const at = Date.now();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    await this.exit;
    return at;
  }

  /** Sends `op` (a graceful stop or leave), waits up to `graceMs` for the exit, then SIGKILLs. */
  async stopWith(op: string, graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    await this.request(op, {}, graceMs).catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.exit, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    await this.kill();
  }

  /** Takes an event for the subclass; true when it is not to be kept in `events`. Default: keeps every event. */
  protected onEvent(_message: IpcMessage): boolean {
    return false;
  }

  /** Called once when the process exited, before pending requests are rejected. */
  protected onExit(): void {}

  private received(m: IpcMessage): void {
    if (m.event !== undefined) {
      if (!this.onEvent(m)) this.events.push(m as unknown as E);
      return;
    }
    const pending = m.id === undefined ? undefined : this.pending.get(m.id);
    if (pending === undefined) return;
    this.pending.delete(m.id as number);
    if (m.ok === true) pending.resolve(m.value);
    else pending.reject(Object.assign(new Error(m.error?.message ?? "failed"), { code: m.error?.code }));
  }
}
