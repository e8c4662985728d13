import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { eventually } from "@tsakt/testkit";
import { freePorts } from "../../../tools/test-servers/src/index.js";

const fixture = fileURLToPath(new URL("./fixtures/cluster-node.mjs", import.meta.url));
const loader = fileURLToPath(new URL("./fixtures/register-dist.mjs", import.meta.url));

/** How one fixture node is started (see fixtures/cluster-node.mjs). */
export interface ProcessNodeConfig {
  port: number;
  peers?: string[];
  discovery?: "static" | "nats";
  natsUrl?: string;
  natsOptions?: Record<string, unknown>;
  roles?: string[];
  replicaCount?: number;
  /** Shorter probe and suspicion timings; default timings when absent. */
  fast?: boolean;
  /** The node's log level (its log lines go to `logs`). Default: "error". */
  logLevel?: "warn" | "info" | "error";
  /** Runs clusterScheduler() and reports each due time it fires as a "fired" event. */
  scheduler?: boolean;
  /** remoting({ auth }): the shared secrets. */
  auth?: { secret?: string; clientSecret?: string };
}

/** An event a node reported over IPC. */
export interface NodeEvent {
  event: string;
  name?: string;
  /** A "fired" event's due time (epoch ms), and whether it was delivered late. */
  due?: number;
  late?: boolean;
  status?: string;
  at: number;
}

interface Reply {
  id?: number;
  ok?: boolean;
  value?: unknown;
  error?: { code: string; message: string };
  event?: string;
}

/** A cluster node in its own OS process, driven over IPC. */
export class ProcessNode {
  readonly name: string;
  readonly events: NodeEvent[] = [];
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly exit: Promise<void>;
  private output = "";

  private constructor(readonly config: ProcessNodeConfig) {
    this.name = `127.0.0.1:${config.port}`;
    this.child = fork(fixture, [], {
      execArgv: ["--import", loader],
      env: { ...process.env, TSAKT_CLUSTER_NODE: JSON.stringify(config) },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    this.child.stdout?.on("data", (c: Buffer) => (this.output += c.toString()));
    this.child.stderr?.on("data", (c: Buffer) => (this.output += c.toString()));
    this.child.on("message", (m: Reply) => this.received(m));
    this.exit = new Promise((resolve) => this.child.once("exit", () => resolve()));
    void this.exit.then(() => {
      for (const p of this.pending.values()) p.reject(new Error(`node ${this.name} exited`));
      this.pending.clear();
    });
  }

  /** Starts a node; resolves once it reported ready (its cluster started), within `timeoutMs`. */
  static async start(config: ProcessNodeConfig, timeoutMs = 20_000): Promise<ProcessNode> {
    const node = new ProcessNode(config);
    const ready = await Promise.race([node.waitFor((e) => e.event === "ready", timeoutMs).then(() => true), node.exit.then(() => false)]);
    if (!ready) throw new Error(`node ${node.name} exited before ready:\n${node.output}`);
    return node;
  }

  /** The OS process id. */
  get pid(): number {
    return this.child.pid as number;
  }

  /** Sends a command (see the fixture's ops) and resolves with its value, or rejects with an error carrying its code. */
  request<T = unknown>(op: string, args: Record<string, unknown> = {}, timeoutMs = 15_000): Promise<T> {
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

  /** Resolves with the first event (past or future) matching `match`; rejects after `timeoutMs`. */
  async waitFor(match: (e: NodeEvent) => boolean, timeoutMs: number): Promise<NodeEvent> {
    let found: NodeEvent | undefined;
    await eventually(`node ${this.name}: a matching event`, () => (found = this.events.find(match)) !== undefined, {
      timeoutMs,
      intervalMs: 20,
    });
    return found as NodeEvent;
  }

  /** SIGKILLs the process (a crash) and waits for it to exit; returns when the signal was sent. */
  async kill(): Promise<number> {
    const at = Date.now();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    await this.exit;
    return at;
  }

  /** Leaves gracefully (system.stop()), then waits for the exit. */
  async leave(): Promise<void> {
    await this.request("leave").catch(() => undefined);
    await Promise.race([this.exit, new Promise((r) => setTimeout(r, 10_000))]);
    await this.kill();
  }

  /** What the process printed, for failure messages. */
  get logs(): string {
    return this.output;
  }

  private received(m: Reply): void {
    if (m.event !== undefined) {
      this.events.push(m as NodeEvent);
      return;
    }
    const pending = m.id === undefined ? undefined : this.pending.get(m.id);
    if (pending === undefined) return;
    this.pending.delete(m.id as number);
    if (m.ok === true) pending.resolve(m.value);
    else pending.reject(Object.assign(new Error(m.error?.message ?? "failed"), { code: m.error?.code }));
  }
}

/** True when every node lists exactly `names` as members. */
export async function converged(nodes: readonly ProcessNode[], names: readonly string[]): Promise<boolean> {
  const want = [...names].sort().join(",");
  const views = await Promise.all(nodes.map((n) => n.request<string[]>("members", {}, 3000)));
  return views.every((v) => v.join(",") === want);
}

/** Starts `count` nodes on free ports that know each other as static peers, adds them to `nodes`, and waits until they converged. */
export async function startProcessCluster(
  nodes: ProcessNode[],
  count: number,
  extra: Partial<ProcessNodeConfig> = {},
): Promise<ProcessNode[]> {
  const ports = await freePorts(count);
  const peers = ports.map((p) => `127.0.0.1:${p}`);
  const started = await Promise.all(ports.map((port) => ProcessNode.start({ port, peers, ...extra })));
  nodes.push(...started);
  await eventually(`${count} members everywhere`, () => converged(started, peers), { timeoutMs: 15_000, intervalMs: 50 });
  return started;
}
