import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { IpcChild, type IpcMessage, type NetnsHost, type NetnsLab } from "../../../tools/test-servers/src/index.js";
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

/** Starts the fixture: `node --import register-dist.mjs safety-node.mjs`, with an IPC channel, where `launch` puts it. */
export type Launcher = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

/** Runs the node inside `host`'s namespace of `lab`. */
export function inNamespace(lab: NetnsLab, host: NetnsHost): Launcher {
  return (command, args, options) => lab.spawn(host, command, args, options);
}

/** Runs the node in this machine's namespace (for 127.0.0.1 nodes). */
export const onLoopback: Launcher = (command, args, options) => spawn(command, [...args], options);

/** A safety node in its own OS process, driven over IPC; its answers go to a shared CallLog. */
export class SafetyNode extends IpcChild<SafetyEvent> {
  private constructor(
    readonly config: SafetyNodeConfig,
    launch: Launcher,
    private readonly log: CallLog,
  ) {
    super(
      `${config.host}:${config.port}`,
      launch(process.execPath, ["--import", loader, fixture], {
        env: { ...process.env, TSAKT_SAFETY_NODE: JSON.stringify(config) },
        stdio: ["ignore", "pipe", "pipe", "ipc"],
      }),
    );
  }

  /** Starts a node; resolves once it reported ready (its cluster started), within `timeoutMs`. */
  static async start(config: SafetyNodeConfig, launch: Launcher, log: CallLog, timeoutMs = 30_000): Promise<SafetyNode> {
    const node = new SafetyNode(config, launch, log);
    await node.whenReady(timeoutMs);
    return node;
  }

  /** A copy whose process ended without reporting its stop (SIGKILL) lived until then at the latest. */
  protected override onExit(): void {
    for (const copy of this.log.copies.values())
      if (copy.node === this.name && copy.stoppedAt === undefined) {
        copy.stoppedAt = this.exitedAt;
        copy.endedWithProcess = true;
      }
  }

  /** Answers, misses and copies' lifetimes go to the call log, not to `events`. */
  protected override onEvent(m: IpcMessage): boolean {
    if (m.event === "answer") {
      this.log.answers.push(m as unknown as AnsweredCall);
      return true;
    }
    if (m.event === "miss") {
      this.log.misses.push(m as unknown as CallLog["misses"][number]);
      return true;
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
      return true;
    }
    return false;
  }
}

/** True when every node lists exactly `names` as members. */
export async function converged(nodes: readonly SafetyNode[], names: readonly string[]): Promise<boolean> {
  const want = [...names].sort().join(",");
  const views = await Promise.all(nodes.map((n) => n.request<string[]>("members", {}, 3000)));
  return views.every((v) => v.join(",") === want);
}
