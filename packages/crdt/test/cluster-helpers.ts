import { ActorSystem, silentLogger } from "@tsakt/actor";
import { type Cluster, cluster, clusterOf, remotingTransport } from "@tsakt/cluster";
import { type Replicator, type ReplicatorOptions, replicator, replicatorOf } from "@tsakt/crdt/cluster";
import { MemoryDiscoveryProvider, MemoryNetwork } from "@tsakt/discovery";
import { remoting } from "@tsakt/remote";
import { eventually, seededRandom } from "@tsakt/testkit";
import { afterEach } from "vitest";

/** One node of a test cluster: remoting on 127.0.0.1, a cluster and a replicator. */
export interface ReplicaNode {
  readonly name: string;
  readonly system: ActorSystem;
  readonly cluster: Cluster;
  readonly replicator: Replicator;
}

/** Fast timers so tests converge quickly. */
export const fastReplicator: ReplicatorOptions = {
  gossipIntervalMs: 50,
  antiEntropyIntervalMs: 200,
  timeoutMs: 2000,
  notifyIntervalMs: 10,
};

const started: ActorSystem[] = [];

/** Starts one node over real TCP on 127.0.0.1 that finds the others through `discovery`; stopped after the test. */
export async function startNode(name: string, discovery: MemoryNetwork, options: ReplicatorOptions = fastReplicator): Promise<ReplicaNode> {
  const system = await ActorSystem.start({
    name: "replicas",
    logger: silentLogger,
    plugins: [
      remoting({ host: "127.0.0.1", port: 0 }),
      cluster({
        transport: remotingTransport({ name }),
        discovery: new MemoryDiscoveryProvider({ network: discovery }),
        probeIntervalMs: 100,
        pingTimeoutMs: 50,
        suspicionTimeoutMs: 500,
        discoveryIntervalMs: 200,
      }),
      replicator(options),
    ],
  });
  started.push(system);
  return { name, system, cluster: clusterOf(system), replicator: replicatorOf(system) };
}

/** Starts nodes that form one cluster, and waits until every node sees every member. */
export async function startNodes(
  names: string[],
  options?: ReplicatorOptions,
): Promise<{ nodes: ReplicaNode[]; discovery: MemoryNetwork }> {
  const discovery = new MemoryNetwork();
  const nodes: ReplicaNode[] = [];
  for (const name of names) nodes.push(await startNode(name, discovery, options));
  await allMembers(nodes);
  return { nodes, discovery };
}

/** Waits until each of `nodes` sees all of them as members. */
export async function allMembers(nodes: ReplicaNode[]): Promise<void> {
  await eventually("every node sees every member", () => nodes.every((n) => n.cluster.members().length === nodes.length), {
    timeoutMs: 10_000,
  });
}

/** A pseudo-random generator (mulberry32), so a failing order can be replayed from its seed. */
export const seeded = seededRandom;

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});
