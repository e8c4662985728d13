import { isMessage } from "@bufbuild/protobuf";
import { ActorSystem, LeaderChangedSchema, NodeJoinedSchema, NodeLeftSchema, type Plugin, silentLogger } from "@tsakt/actor";
import { type Cluster, type ClusterEvent, type ClusterOptions, type ClusterTransport, cluster as clusterPlugin } from "@tsakt/cluster";
import { InMemoryClusterNetwork } from "@tsakt/cluster/testing";
import { MemoryDiscoveryProvider, MemoryNetwork } from "@tsakt/discovery";
import { vi } from "vitest";

/** Fakes the clock and timers but leaves setImmediate and microtasks real, so in-memory delivery stays immediate. */
export function useClusterFakeTimers(): void {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
}

/**
 * Moves fake time forward by `ms`, running due timers and the promise work they cause, then lets one real turn of
 * the event loop run (setImmediate is real: actor turns scheduled on it get to run before fake time moves on, however
 * loaded the machine is).
 */
export async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Advances fake time in `stepMs` steps until `check` holds; returns the fake ms it took, or throws after `maxMs`. */
export async function advanceUntil(check: () => boolean, maxMs: number, what: string, stepMs = 50): Promise<number> {
  for (let elapsed = 0; elapsed <= maxMs; elapsed += stepMs) {
    if (check()) return elapsed;
    await advance(stepMs);
  }
  throw new Error(`not true after ${maxMs} fake ms: ${what}`);
}

/** Advances fake time until `promise` settles (at most `maxMs`), then returns its result or throws its error. */
export async function drive<T>(promise: Promise<T>, maxMs = 30_000, stepMs = 50): Promise<T> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await advanceUntil(() => settled, maxMs, "promise settles", stepMs);
  return promise;
}

/** One node of a test cluster. */
export interface TestNode {
  readonly name: string;
  readonly system: ActorSystem;
  readonly cluster: Cluster;
  /** NodeJoined / NodeLeft / LeaderChanged protos from the system's event stream, as "kind address". */
  readonly streamEvents: string[];
  /** The cluster's plain events. */
  readonly events: ClusterEvent[];

  /** The node's current end of the in-memory network (a new one after it rejoined). */
  readonly transport: ClusterTransport;
  /** Keys of the registry entries this node reported as owner-lost (relocation), from its start on. */
  readonly lost: string[];
  /** Conflicts this node reported, as "kept <owner>, lost <owner>". */
  readonly conflicts: string[];
}

/** Several nodes on one in-memory network and one in-memory discovery, started with fake timers in effect. */
export class TestCluster {
  readonly network = new InMemoryClusterNetwork();
  readonly discovery = new MemoryNetwork();
  readonly nodes: TestNode[] = [];
  private port = 4000;

  constructor(private readonly defaults: Partial<ClusterOptions> = {}) {}

  /** Starts a node named `name` that joins through discovery (on the next free port, or `port`). */
  async add(name: string, options: Partial<ClusterOptions> = {}, port = this.port++): Promise<TestNode> {
    const streamEvents: string[] = [];
    // A plugin before the cluster, so the event stream is heard from the cluster's first event on.
    const listener: Plugin = {
      name: "test-events",
      start(system) {
        system.eventStream.subscribe((e) => {
          if (isMessage(e, NodeJoinedSchema)) streamEvents.push(`joined ${e.address}`);
          else if (isMessage(e, NodeLeftSchema)) streamEvents.push(`left ${e.address}`);
          else if (isMessage(e, LeaderChangedSchema)) streamEvents.push(`leader ${e.address}`);
        });
      },
      stop() {},
    };
    // A factory, so a node that rejoins after being downed gets a fresh end of the network.
    let current: ClusterTransport | undefined;
    const transport = () => (current = this.network.transport({ name, host: "127.0.0.1", port }));
    const discovery = new MemoryDiscoveryProvider({ network: this.discovery });
    const cluster = clusterPlugin({ transport, discovery, ...this.defaults, ...options });
    const events: ClusterEvent[] = [];
    const lost: string[] = [];
    const conflicts: string[] = [];
    cluster.subscribe((e) => events.push(e));
    cluster.onOwnerLost((entries) => lost.push(...entries.map((e) => e.key)));
    cluster.onConflict((kept, loser) => conflicts.push(`kept ${kept.owner}, lost ${loser.owner}`));
    const system = await drive(ActorSystem.start({ name: "test", logger: silentLogger, plugins: [listener, cluster] }));
    const node = {
      name,
      system,
      cluster,
      streamEvents,
      events,
      lost,
      conflicts,
      get transport(): ClusterTransport {
        return current as ClusterTransport;
      },
    };
    this.nodes.push(node);
    return node;
  }

  /** Starts nodes n1..nN, one fake millisecond apart so their ages differ. */
  async start(count: number, options: Partial<ClusterOptions> = {}): Promise<TestNode[]> {
    for (let i = 1; i <= count; i++) {
      await this.add(`n${i}`, options);
      await advance(1);
    }
    return this.nodes;
  }

  /** The node named `name`. */
  node(name: string): TestNode {
    const node = this.nodes.find((n) => n.name === name);
    if (node === undefined) throw new Error(`no node ${name}`);
    return node;
  }

  /** Nodes other than those named. */
  others(...names: string[]): TestNode[] {
    return this.nodes.filter((n) => !names.includes(n.name));
  }

  /** True when every given node lists exactly `names` as live members. */
  agree(nodes: readonly TestNode[], names: readonly string[]): boolean {
    const want = [...names].sort().join(",");
    return nodes.every((n) => n.cluster.isRunning && memberNames(n).join(",") === want);
  }

  /** Stops every node and its system, driving fake time so leaves and hand-offs finish. */
  async shutdown(): Promise<void> {
    await drive(
      Promise.all(
        this.nodes.map(async (n) => {
          await n.cluster.stop();
          await n.system.stop();
        }),
      ),
      60_000,
    );
    this.nodes.length = 0;
  }
}

/** Sorted names of the live members `node` sees. */
export function memberNames(node: TestNode): string[] {
  return node.cluster
    .members()
    .map((m) => m.name)
    .sort();
}
