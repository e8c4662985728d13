import { type ChildProcess, fork } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
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

interface Reply {
  id?: number;
  ok?: boolean;
  value?: unknown;
  error?: { code: string; message: string };
  event?: string;
}

/** A cluster node with grains, the client gateway and optionally management, in its own OS process. */
export class TestNode {
  /** Member name, "127.0.0.1:<port>". */
  readonly name: string;
  /** What the node reported, in order. */
  readonly events: TestNodeEvent[] = [];
  /** The management endpoint's URL, once ready (with management). */
  url = "";
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly exit: Promise<void>;
  private output = "";

  private constructor(readonly config: TestNodeConfig) {
    this.name = `127.0.0.1:${config.port}`;
    this.child = fork(fixture, [], {
      execArgv: ["--import", loader],
      env: { ...process.env, TSAKT_TEST_NODE: JSON.stringify(config) },
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

  /** Starts a node and resolves once it reported ready (its cluster joined), within `timeoutMs`. */
  static async start(config: TestNodeConfig, timeoutMs = 20_000): Promise<TestNode> {
    const node = new TestNode(config);
    const ready = await Promise.race([
      node
        .waitFor((e) => e.event === "ready", timeoutMs)
        .then(
          (e) => ((node.url = e.url ?? ""), true),
          () => false,
        ),
      node.exit.then(() => false),
    ]);
    if (!ready) {
      node.child.kill("SIGKILL");
      throw new Error(`node ${node.name} did not start (did \`npx tsc -b\` run?):\n${node.output}`);
    }
    return node;
  }

  /** The OS process id. */
  get pid(): number {
    return this.child.pid as number;
  }

  /** True until the process exited. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** What the process printed, for failure messages. */
  get logs(): string {
    return this.output;
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

  /** The first event (past or future) matching `match`; rejects after `timeoutMs`. */
  async waitFor(match: (e: TestNodeEvent) => boolean, timeoutMs: number): Promise<TestNodeEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(match);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`node ${this.name}: no matching event within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** SIGKILLs the process (a crash) and waits for it to exit; resolves with the time the signal was sent. */
  async kill(): Promise<number> {
    const at = Date.now();
    if (this.running) this.child.kill("SIGKILL");
    await this.exit;
    return at;
  }

  /** Stops the node gracefully (system.stop(), which leaves the cluster), SIGKILL after 10 s. */
  async stop(): Promise<void> {
    if (!this.running) return;
    await this.request("stop", {}, 10_000).catch(() => undefined);
    await Promise.race([this.exit, new Promise((r) => setTimeout(r, 10_000))]);
    await this.kill();
  }

  private received(m: Reply): void {
    if (m.event !== undefined) {
      this.events.push(m as unknown as TestNodeEvent);
      return;
    }
    const pending = m.id === undefined ? undefined : this.pending.get(m.id);
    if (pending === undefined) return;
    this.pending.delete(m.id as number);
    if (m.ok === true) pending.resolve(m.value);
    else pending.reject(Object.assign(new Error(m.error?.message ?? "failed"), { code: m.error?.code }));
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
