import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { eventually } from "@tsakt/testkit";
import { freePorts, IpcChild } from "../../../tools/test-servers/src/index.js";

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

/** A cluster node in its own OS process, driven over IPC. */
export class ProcessNode extends IpcChild<NodeEvent> {
  private constructor(readonly config: ProcessNodeConfig) {
    super(
      `127.0.0.1:${config.port}`,
      fork(fixture, [], {
        execArgv: ["--import", loader],
        env: { ...process.env, TSAKT_CLUSTER_NODE: JSON.stringify(config) },
        stdio: ["ignore", "pipe", "pipe", "ipc"],
      }),
    );
  }

  /** Starts a node; resolves once it reported ready (its cluster started), within `timeoutMs`. */
  static async start(config: ProcessNodeConfig, timeoutMs = 20_000): Promise<ProcessNode> {
    const node = new ProcessNode(config);
    await node.whenReady(timeoutMs);
    return node;
  }

  /** Leaves gracefully (system.stop()), then waits for the exit. */
  leave(): Promise<void> {
    return this.stopWith("leave");
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
