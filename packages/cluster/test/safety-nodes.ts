import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { eventually } from "@tsakt/testkit";
import type { NetnsHost, NetnsLab } from "../../../tools/test-servers/src/index.js";
import type { AnsweredCall, CopyLife } from "./history.js";

const fixture = fileURLToPath(new URL("./fixtures/safety-node.mjs", import.meta.url));
const loader = fileURLToPath(new URL("./fixtures/register-dist.mjs", import.meta.url));

/** The port every safety node listens on: each has an address of its own (a namespace), so they can share it. */
export const safetyPort = 7355;

/** How one safety node is started (see fixtures/safety-node.mjs). */
export interface SafetyNodeConfig {
  host: string;
  port: number;
  peers: string[];
  /** Extra cluster() options (timings, downing). */
  cluster?: Record<string, unknown>;
  /** clusterGrains placement. Default: "round-robin". */
  grainPlacement?: string;
  logLevel?: string;
  /** Report every registry call on a grain key as a "reg" event. */
  traceRegistry?: boolean;
}

/** An event a node reported over IPC (other than answers). */
export interface SafetyEvent {
  event: string;
  at: number;
  name?: string;
  status?: string;
  reason?: string;
  decision?: string;
  key?: string;
  target?: string;
  code?: string;
}

/** Where a node's answers, failed calls and copies' lifetimes go: one history for the whole run. */
export interface CallLog {
  readonly answers: AnsweredCall[];
  readonly misses: { target: string; caller: string; code: string; sentAt: number; at: number }[];
  /** Every copy (actor instance, grain activation) by "<target> <instance>": when it started and stopped (or its process ended). */
  readonly copies: Map<string, CopyLife>;
}

/** A new, empty call log. */
export function callLog(): CallLog {
  return { answers: [], misses: [], copies: new Map() };
}

interface Reply {
  id?: number;
  ok?: boolean;
  value?: unknown;
  error?: { code: string; message: string };
  event?: string;
}

/** Starts the fixture: `node --import register-dist.mjs safety-node.mjs`, with an IPC channel, where `launch` puts it. */
export type Launcher = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

/** Runs the node inside `host`'s namespace of `lab`. */
export function inNamespace(lab: NetnsLab, host: NetnsHost): Launcher {
  return (command, args, options) => lab.spawn(host, command, args, options);
}

/** Runs the node in this machine's namespace (for 127.0.0.1 nodes). */
export const onLoopback: Launcher = (command, args, options) => spawn(command, [...args], options);

/** A safety node in its own OS process, driven over IPC; its answers go to a shared CallLog. */
export class SafetyNode {
  readonly name: string;
  readonly events: SafetyEvent[] = [];
  /** When its process exited (ms since the epoch), once it did. */
  exitedAt: number | undefined = undefined;
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly exit: Promise<void>;
  private output = "";

  private constructor(
    readonly config: SafetyNodeConfig,
    launch: Launcher,
    private readonly log: CallLog,
  ) {
    this.name = `${config.host}:${config.port}`;
    this.child = launch(process.execPath, ["--import", loader, fixture], {
      env: { ...process.env, TSAKT_SAFETY_NODE: JSON.stringify(config) },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    this.child.stdout?.on("data", (c: Buffer) => (this.output += c.toString()));
    this.child.stderr?.on("data", (c: Buffer) => (this.output += c.toString()));
    this.child.on("message", (m: Reply) => this.received(m));
    this.exit = new Promise((resolve) =>
      this.child.once("exit", () => {
        this.exitedAt = Date.now();
        // A copy whose process ended without reporting its stop (SIGKILL) lived until then at the latest.
        for (const copy of this.log.copies.values())
          if (copy.node === this.name && copy.stoppedAt === undefined) {
            copy.stoppedAt = this.exitedAt;
            copy.endedWithProcess = true;
          }
        resolve();
      }),
    );
    void this.exit.then(() => {
      for (const p of this.pending.values()) p.reject(new Error(`node ${this.name} exited`));
      this.pending.clear();
    });
  }

  /** Starts a node; resolves once it reported ready (its cluster started), within `timeoutMs`. */
  static async start(config: SafetyNodeConfig, launch: Launcher, log: CallLog, timeoutMs = 30_000): Promise<SafetyNode> {
    const node = new SafetyNode(config, launch, log);
    const ready = await Promise.race([node.waitFor((e) => e.event === "ready", timeoutMs).then(() => true), node.exit.then(() => false)]);
    if (!ready) throw new Error(`node ${node.name} exited before ready:\n${node.output}`);
    return node;
  }

  /** The OS process id. */
  get pid(): number {
    return this.child.pid as number;
  }

  /** True until the process exited. */
  get running(): boolean {
    return this.exitedAt === undefined;
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

  /** Resolves with the first event (past or future) matching `match`; rejects after `timeoutMs`. */
  async waitFor(match: (e: SafetyEvent) => boolean, timeoutMs: number): Promise<SafetyEvent> {
    let found: SafetyEvent | undefined;
    await eventually(`node ${this.name}: a matching event`, () => (found = this.events.find(match)) !== undefined, {
      timeoutMs,
      intervalMs: 20,
    });
    return found as SafetyEvent;
  }

  /** Resolves once the process exited. */
  exited(): Promise<void> {
    return this.exit;
  }

  /** SIGKILLs the process (a crash) and waits for it to exit; returns when the signal was sent. */
  async kill(): Promise<number> {
    const at = Date.now();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    await this.exit;
    return at;
  }

  /** What the process printed, for failure messages. */
  get logs(): string {
    return this.output;
  }

  private received(m: Reply): void {
    if (m.event === "answer") {
      this.log.answers.push(m as unknown as AnsweredCall);
      return;
    }
    if (m.event === "miss") {
      this.log.misses.push(m as unknown as CallLog["misses"][number]);
      return;
    }
    if (m.event === "copy-started" || m.event === "copy-stopped") {
      const e = m as unknown as { target: string; instance: string; node: string; at: number };
      const key = `${e.target} ${e.instance}`;
      let copy = this.log.copies.get(key);
      if (copy === undefined) {
        copy = { target: e.target, instance: e.instance, node: e.node, startedAt: e.at, stoppedAt: undefined, endedWithProcess: false };
        this.log.copies.set(key, copy);
      }
      if (m.event === "copy-stopped") copy.stoppedAt = e.at;
      return;
    }
    if (m.event !== undefined) {
      this.events.push(m as SafetyEvent);
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
export async function converged(nodes: readonly SafetyNode[], names: readonly string[]): Promise<boolean> {
  const want = [...names].sort().join(",");
  const views = await Promise.all(nodes.map((n) => n.request<string[]>("members", {}, 3000)));
  return views.every((v) => v.join(",") === want);
}
