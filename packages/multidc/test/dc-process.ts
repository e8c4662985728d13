import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePorts } from "@tsakt/test-servers";

const fixture = fileURLToPath(new URL("./fixtures/dc-node.mjs", import.meta.url));
// The cluster package's module hooks map @tsakt/<pkg> to packages/<pkg>/dist for any package.
const loader = fileURLToPath(new URL("../../cluster/test/fixtures/register-dist.mjs", import.meta.url));

/** How a datacenter's node processes reach the control plane. */
export interface ControlPlaneConfig {
  kind: "nats" | "etcd";
  url: string;
}

/** An event a node reported. */
export interface DcEvent {
  event: string;
  datacenter?: string;
  state?: string;
  at: number;
}

type Waiter = { resolve: (v: unknown) => void; reject: (e: Error) => void };

/** One datacenter node in its own OS process (fixtures/dc-node.mjs over the built dist), driven over IPC. */
export class DcNode {
  readonly events: DcEvent[] = [];
  private readonly child: ChildProcess;
  private readonly waiting = new Map<number, Waiter>();
  private nextId = 1;
  private output = "";
  readonly exited: Promise<void>;

  constructor(
    readonly dc: string,
    readonly port: number,
    config: Record<string, unknown>,
  ) {
    this.child = fork(fixture, [], {
      execArgv: ["--import", loader],
      env: { ...process.env, TSAKT_DC_NODE: JSON.stringify({ ...config, dc, port }) },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    for (const stream of [this.child.stdout, this.child.stderr]) stream?.on("data", (c: Buffer) => (this.output += c.toString()));
    this.child.on("message", (m: { id?: number; ok?: boolean; value?: unknown; error?: { code: string; message: string } } & DcEvent) => {
      if (m.event !== undefined) return void this.events.push(m);
      const waiter = this.waiting.get(m.id ?? -1);
      this.waiting.delete(m.id ?? -1);
      if (m.ok === true) waiter?.resolve(m.value);
      else waiter?.reject(Object.assign(new Error(m.error?.message ?? "failed"), { code: m.error?.code }));
    });
    this.exited = new Promise((resolve) => this.child.once("exit", () => resolve()));
    void this.exited.then(() => {
      for (const w of this.waiting.values()) w.reject(new Error(`${dc} node ${port} exited:\n${this.output}`));
      this.waiting.clear();
    });
  }

  /** Runs command `op` in the node; rejects with the node's error (and its code) or after `timeoutMs`. */
  request<T = unknown>(op: string, args: Record<string, unknown> = {}, timeoutMs = 15_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${this.dc} node ${this.port}: ${op} got no answer within ${timeoutMs} ms\n${this.output}`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v as T)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.child.send({ id, op, ...args });
    });
  }

  /** SIGKILLs the process and waits for its exit; returns when the signal was sent (epoch ms). */
  async kill(): Promise<number> {
    const at = Date.now();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    await this.exited;
    return at;
  }

  /** Whether the node reported ready yet. */
  get ready(): boolean {
    return this.events.some((e) => e.event === "ready");
  }

  /** What the process printed. */
  get logs(): string {
    return this.output;
  }
}

/** Starts the `count` nodes of datacenter `dc` as processes that know each other as static peers. */
export async function startDcProcesses(dc: string, count: number, config: Record<string, unknown>): Promise<DcNode[]> {
  const ports = await freePorts(count);
  const peers = ports.map((p) => `127.0.0.1:${p}`);
  return ports.map((port) => new DcNode(dc, port, { ...config, peers }));
}
