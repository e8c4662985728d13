import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

/** A JSON line a line-driven fixture prints: `{ ready, hostPort }` once, answers `{ seq, ... }`, or anything else. */
export interface ChildLine {
  ready?: boolean;
  hostPort?: string;
  seq?: number;
  error?: string;
}

/** How a LineChild starts its fixture. */
export interface LineChildOptions<L extends ChildLine = ChildLine> {
  /** The fixture's path and the loader to `--import` before it. */
  fixture: string;
  loader: string;
  /** Environment variables added to this process's. */
  env: Record<string, string>;
  /** What to print in errors, e.g. "grain node a". */
  label: string;
  /** Lines that are neither the ready line nor an answer (a fixture's own reports). Default: ignored. */
  onLine?: (line: L) => void;
}

/**
 * A fixture in its own OS process driven over stdin and stdout, one JSON object per line: `command(body)` writes
 * `{ seq, ...body }` and resolves with the line that carries the same `seq` (with `error: "exited"` when the process
 * ended first). The fixture prints `{ ready: true, hostPort }` once it listens; closing its stdin stops it gracefully.
 */
export class LineChild<L extends ChildLine = ChildLine> {
  /** "host:port" from the ready line. */
  hostPort = "";
  private readonly child;
  private seq = 0;
  private readonly pending = new Map<number, (line: L) => void>();
  private readonly ready: Promise<boolean>;
  private errors = "";

  constructor(private readonly options: LineChildOptions<L>) {
    this.child = spawn(process.execPath, ["--import", options.loader, options.fixture], {
      env: { ...process.env, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child.stderr.on("data", (chunk: Buffer) => (this.errors += chunk.toString()));
    let ready: (ok: boolean) => void = () => {};
    this.ready = new Promise((resolve) => (ready = resolve));
    this.child.once("exit", () => {
      ready(false);
      for (const answer of this.pending.values()) answer({ error: "exited" } as L);
      this.pending.clear();
    });
    createInterface({ input: this.child.stdout }).on("line", (text) => {
      const line = JSON.parse(text) as L;
      if (line.ready === true) {
        this.hostPort = line.hostPort as string;
        ready(true);
      } else if (line.seq !== undefined) {
        this.pending.get(line.seq)?.(line);
        this.pending.delete(line.seq);
      } else options.onLine?.(line);
    });
  }

  /** Resolves once the fixture printed its ready line; SIGKILLs it and throws when it did not within `timeoutMs`. */
  async started(timeoutMs = 20_000): Promise<this> {
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    const ok = await this.ready;
    clearTimeout(timer);
    if (!ok) throw new Error(`${this.options.label} exited before it was ready (did \`npx tsc -b\` run?):\n${this.errors}`);
    return this;
  }

  /** Sends `{ seq, ...body }` and resolves with the answer line. */
  command(body: Record<string, unknown>): Promise<L> {
    const seq = ++this.seq;
    return new Promise((resolve) => {
      this.pending.set(seq, resolve);
      this.child.stdin.write(`${JSON.stringify({ seq, ...body })}\n`);
    });
  }

  /** SIGKILL: no leave, no goodbye. */
  kill(): void {
    this.child.kill("SIGKILL");
  }

  /** Ends the process: closing stdin stops it gracefully; SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
