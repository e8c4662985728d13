import { StringValueSchema } from "@bufbuild/protobuf/wkt";
import { ActorSystem, silentLogger } from "@tsakt/actor";
import { type Cluster, cluster, clusterOf, remotingTransport } from "@tsakt/cluster";
import { MemoryDiscoveryProvider, MemoryNetwork } from "@tsakt/discovery";
import { type ClusterPubSub, clusterPubSub, clusterPubSubOf } from "@tsakt/pubsub/cluster";
import { remoting } from "@tsakt/remote";
import { eventually } from "@tsakt/testkit";
import { afterEach } from "vitest";

/** One node of a test cluster: a system with remoting on 127.0.0.1, a cluster and cluster pub/sub. */
export interface PubSubNode {
  readonly name: string;
  readonly system: ActorSystem;
  readonly cluster: Cluster;
  readonly pubsub: ClusterPubSub;
}

const started: ActorSystem[] = [];

/** Starts one node over real TCP on 127.0.0.1 that finds the others through `discovery`; stopped after the test. */
export async function startNode(name: string, discovery: MemoryNetwork): Promise<PubSubNode> {
  const system = await ActorSystem.start({
    name: "news",
    logger: silentLogger,
    plugins: [
      remoting({ host: "127.0.0.1", port: 0, types: [StringValueSchema] }),
      cluster({
        transport: remotingTransport({ name }),
        discovery: new MemoryDiscoveryProvider({ network: discovery }),
        probeIntervalMs: 100,
        pingTimeoutMs: 50,
        suspicionTimeoutMs: 500,
      }),
      clusterPubSub({ interestSyncIntervalMs: 500 }),
    ],
  });
  started.push(system);
  return { name, system, cluster: clusterOf(system), pubsub: clusterPubSubOf(system) };
}

/** Starts nodes that form one cluster, and waits until every node sees every member. */
export async function startNodes(...names: string[]): Promise<PubSubNode[]> {
  const discovery = new MemoryNetwork();
  const nodes: PubSubNode[] = [];
  for (const name of names) nodes.push(await startNode(name, discovery));
  await allMembers(nodes);
  return nodes;
}

/** Waits until each of `nodes` sees all of them as members. */
export async function allMembers(nodes: PubSubNode[]): Promise<void> {
  await eventually("every node sees every member", () => nodes.every((n) => n.cluster.members().length === nodes.length));
}

/** Waits until `publisher` knows that each of `subscribers` has subscribers of `topic` (interest crossed the wire). */
export async function interestKnown(publisher: PubSubNode, topic: string, ...subscribers: PubSubNode[]): Promise<void> {
  const names = subscribers.map((n) => n.name);
  await eventually(`${publisher.name} to learn ${names.join(", ")} subscribe to ${topic}`, () =>
    names.every((n) => publisher.pubsub.nodesInterestedIn(topic).includes(n)),
  );
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});
