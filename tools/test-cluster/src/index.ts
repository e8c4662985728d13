import { fork } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { IpcChild } from "@tsakt/test-servers";
import { eventually } from "@tsakt/testkit";

const fixture = fileURLToPath(new URL("../fixtures/node.mjs", import.meta.url));
const loader = fileURLToPath(new URL("../fixtures/register-dist.mjs", import.meta.url));

/** How a test node is started (see fixtures/node.mjs). */
export interface TestNodeConfig {
  /** Remoting port; its member name is "127.0.0.1:<port>". */
  port: number;
  /** Seeds, "host:port". */
  peers: string[];
  /** Probe every 200 ms and declare a silent member dead after 800 ms of suspicion (about 1–1.5 s in all). Default: false. */
  fast?: boolean;
  /** Runs management({ port: 0 }) and clusterManagement(), with this token when given. Default: no management. */
  management?: { token?: string };
  /** Log level of the node. Default: "warn". */
  logLevel?: string;
}

/** Something a node reported. */
export interface TestNodeEvent {
  event: "ready" | "member-left" | "member-joined";
  name?: string;
  status?: string;
  url?: string;
  at: number;
}

/** A cluster node with grains, the client gateway and optionally management, in its own OS process. */
export class TestNode extends IpcChild<TestNodeEvent> {
  /** The management endpoint's URL, once ready (with management). */
  url = "";

  private constructor(readonly config: TestNodeConfig) {
    super(
      `127.0.0.1:${config.port}`,
      fork(fixture, [], {
        execArgv: ["--import", loader],
        env: { ...process.env, TSAKT_TEST_NODE: JSON.stringify(config) },
        stdio: ["ignore", "pipe", "pipe", "ipc"],
      }),
    );
  }

  /** Starts a node and resolves once it reported ready (its cluster joined), within `timeoutMs`. */
  static async start(config: TestNodeConfig, timeoutMs = 20_000): Promise<TestNode> {
    const node = new TestNode(config);
    node.url = (await node.whenReady(timeoutMs)).url ?? "";
    return node;
  }

  /** Stops the node gracefully (system.stop(), which leaves the cluster), SIGKILL after 10 s. */
  stop(): Promise<void> {
    return this.stopWith("stop");
  }
}

/** Ports freePort gave out in this process: the kernel may hand a just-closed port out again. */
const handedOut = new Set<number>();

/** A free TCP port on 127.0.0.1 (closed again before it is returned), never one it returned before in this process. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await kernelPort();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error("the kernel offered only ports handed out before, 20 times in a row");
}

function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once("error", reject);
  });
}

/** Options of startCluster. */
export interface ClusterConfig {
  /** Number of nodes. Default: 3. */
  size?: number;
  fast?: boolean;
  management?: { token?: string };
  logLevel?: string;
}

/** Starts `size` nodes that know each other as seeds and resolves once every node lists all of them. */
export async function startCluster(config: ClusterConfig = {}): Promise<TestNode[]> {
  const size = config.size ?? 3;
  const ports: number[] = [];
  while (ports.length < size) {
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  const peers = ports.map((p) => `127.0.0.1:${p}`);
  const started = await Promise.allSettled(
    ports.map((port) =>
      TestNode.start({
        port,
        peers,
        ...(config.fast === undefined ? {} : { fast: config.fast }),
        ...(config.management === undefined ? {} : { management: config.management }),
        ...(config.logLevel === undefined ? {} : { logLevel: config.logLevel }),
      }),
    ),
  );
  const nodes = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed !== undefined) {
    await stopAll(nodes);
    throw failed.reason;
  }
  await eventually(
    `${size} members on every node`,
    async () => (await Promise.all(nodes.map((n) => n.request<string[]>("members", {}, 3000)))).every((m) => m.length === size),
    { timeoutMs: 20_000, intervalMs: 50 },
  );
  return nodes;
}

/** Stops every node still running: SIGKILL, since tests need no graceful leave at the end. */
export async function stopAll(nodes: readonly TestNode[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.kill()));
}
