import { ActorSystem, InvalidOptionError, type LoggerLike, type Plugin, silentLogger } from "@tsakt/actor";
import { type Cluster, type ClusterOptions, cluster, clusterOf } from "@tsakt/cluster";
import { InMemoryClusterNetwork } from "@tsakt/cluster/testing";
import { MemoryDiscoveryProvider, MemoryNetwork } from "@tsakt/discovery";
import { eventually } from "./conditions.js";
import type { TestClock } from "./test-clock.js";

/** Options of startTestCluster. */
export interface TestClusterOptions {
  /** How many nodes (named n1, n2, …) or their names. */
  nodes: number | readonly string[];
  /**
   * "memory": nodes talk over an InMemoryClusterNetwork (partitions, kills, delays; no remoting, so actors and grains
   * stay on their node). "tcp": each node runs remoting on 127.0.0.1 (actors and grains work across nodes). Default: "memory".
   */
  transport?: "memory" | "tcp";
  /** Cluster options of every node (kinds, roles, tuning), without transport and discovery. Default: fast failure detection. */
  cluster?: Omit<ClusterOptions, "transport" | "discovery"> | ((node: string) => Omit<ClusterOptions, "transport" | "discovery">);
  /** More plugins per node, started after the cluster (clusterGrains(), clusterPubSub(), …). Default: none. */
  plugins?: (node: string) => Plugin[];
  /** Protobuf types for remoting with transport "tcp". Default: none. */
  types?: NonNullable<Parameters<typeof import("@tsakt/remote").remoting>[0]>["types"];
  /** A TestClock shared by every node and the network; startTestCluster drives it while nodes join. Default: real time. */
  clock?: TestClock;
  /** Every node's actor system name. Default: "test". */
  systemName?: string;
  /** Logger of every node. Default: silentLogger. */
  logger?: LoggerLike;
}

/** One node of a test cluster. */
export interface TestClusterNode {
  readonly name: string;
  readonly system: ActorSystem;
  readonly cluster: Cluster;
}

/** Failure detection fast enough for tests: a lost node is declared dead in about a second. */
export const fastClusterTiming = Object.freeze({ probeIntervalMs: 100, pingTimeoutMs: 50, suspicionTimeoutMs: 500, joinTimeoutMs: 500 });

/**
 * Several cluster nodes in this process, joined through one in-memory discovery, for your own tests:
 * `await using c = await startTestCluster({ nodes: 3, cluster: { kinds } })`. With the in-memory transport the
 * network can be partitioned, healed, and a node "killed" (black-holed, as after SIGKILL).
 */
export class TestCluster implements AsyncDisposable {
  readonly nodes: TestClusterNode[] = [];
  /** The in-memory network (transport "memory" only). */
  readonly network: InMemoryClusterNetwork | undefined;
  private readonly discovery = new MemoryNetwork();
  private nextPort = 4000;

  /** @internal Use startTestCluster. */
  constructor(private readonly options: TestClusterOptions) {
    this.network =
      (options.transport ?? "memory") === "memory"
        ? new InMemoryClusterNetwork(options.clock === undefined ? {} : { clock: options.clock })
        : undefined;
  }

  /** The node named `name`; throws when there is none. */
  node(name: string): TestClusterNode {
    const node = this.nodes.find((n) => n.name === name);
    if (node === undefined)
      throw new InvalidOptionError("name", `no node named ${JSON.stringify(name)} (have ${this.nodes.map((n) => n.name).join(", ")})`);
    return node;
  }

  /** Starts one more node named `name`, which joins the others. */
  async add(name: string): Promise<TestClusterNode> {
    const o = this.options;
    const tuning = typeof o.cluster === "function" ? o.cluster(name) : (o.cluster ?? {});
    const discovery = new MemoryDiscoveryProvider({ network: this.discovery });
    const plugins: Plugin[] = [];
    if (this.network !== undefined) {
      const transport = this.network.transport({ name, host: "127.0.0.1", port: this.nextPort++ });
      plugins.push(cluster({ ...fastClusterTiming, ...tuning, transport, discovery }));
    } else {
      const { remoting } = await import("@tsakt/remote");
      const { remotingTransport } = await import("@tsakt/cluster");
      plugins.push(remoting({ host: "127.0.0.1", port: 0, ...(o.types === undefined ? {} : { types: o.types }) }));
      plugins.push(cluster({ ...fastClusterTiming, ...tuning, transport: remotingTransport({ name }), discovery }));
    }
    plugins.push(...(o.plugins?.(name) ?? []));
    const starting = ActorSystem.start({
      name: o.systemName ?? "test",
      logger: o.logger ?? silentLogger,
      plugins,
      ...(o.clock === undefined ? {} : { clock: o.clock }),
    });
    const system = await this.drive(starting);
    const node = { name, system, cluster: clusterOf(system) };
    this.nodes.push(node);
    return node;
  }

  /** Waits until every running node (or those given) sees exactly the same live members, `names` when given. */
  async converged(names?: readonly string[], timeoutMs = 10_000): Promise<void> {
    const nodes = this.nodes.filter((n) => n.cluster.isRunning && (names === undefined || names.includes(n.name)));
    const want = [...(names ?? nodes.map((n) => n.name))].sort().join(",");
    await eventually(
      `nodes ${nodes.map((n) => n.name).join(", ")} to see exactly ${want}`,
      () =>
        nodes.every(
          (n) =>
            n.cluster
              .members()
              .map((m) => m.name)
              .sort()
              .join(",") === want,
        ),
      { timeoutMs, ...(this.options.clock === undefined ? {} : { clock: this.options.clock, intervalMs: 50 }) },
    );
  }

  /** Splits the in-memory network: nodes talk only within their group. */
  partition(...groups: string[][]): void {
    this.memory("partition").partition(...groups);
  }

  /** Ends a partition. */
  heal(): void {
    this.memory("heal").heal();
  }

  /** Black-holes a node, as if its process were SIGKILLed (its system keeps running, unheard). */
  kill(name: string): void {
    this.memory("kill").kill(name);
  }

  /** Stops one node's system (a graceful leave). */
  async stopNode(name: string): Promise<void> {
    const node = this.node(name);
    await this.drive(node.system.stop());
    this.nodes.splice(this.nodes.indexOf(node), 1);
  }

  /** Stops every node. */
  async stop(): Promise<void> {
    const nodes = this.nodes.splice(0);
    await this.drive(Promise.all(nodes.map((n) => n.system.stop())));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** Awaits `promise`, advancing the test clock meanwhile when there is one. */
  private async drive<T>(promise: Promise<T>): Promise<T> {
    const clock = this.options.clock;
    if (clock === undefined) return promise;
    let done = false;
    const settled = promise.finally(() => {
      done = true;
    });
    settled.catch(() => undefined);
    for (let i = 0; i < 100_000 && !done; i++) await clock.advance(10);
    return settled;
  }

  private memory(operation: string): InMemoryClusterNetwork {
    if (this.network === undefined) throw new InvalidOptionError("transport", `${operation} needs transport "memory"`);
    return this.network;
  }
}

/** Starts a test cluster (see TestCluster) and waits until every node sees every other. */
export async function startTestCluster(options: TestClusterOptions): Promise<TestCluster> {
  const names = typeof options.nodes === "number" ? Array.from({ length: options.nodes }, (_, i) => `n${i + 1}`) : [...options.nodes];
  if (names.length === 0) throw new InvalidOptionError("nodes", "must name at least one node");
  const test = new TestCluster(options);
  try {
    for (const name of names) await test.add(name);
    await test.converged();
  } catch (error) {
    await test.stop();
    throw error;
  }
  return test;
}
