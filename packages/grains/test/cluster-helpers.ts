import { create } from "@bufbuild/protobuf";
import { file_google_protobuf_wrappers, StringValueSchema } from "@bufbuild/protobuf/wkt";
import { ActorSystem, silentLogger } from "@tsakt/actor";
import { type Cluster, cluster as clusterPlugin, remotingTransport } from "@tsakt/cluster";
import { MemoryDiscoveryProvider, MemoryNetwork } from "@tsakt/discovery";
import type { Grain, GrainKindDefinition } from "@tsakt/grains";
import { type ClusterGrainsOptions, clusterGrains } from "@tsakt/grains/cluster";
import { remoting } from "@tsakt/remote";
import { eventually } from "@tsakt/testkit";
import { afterEach } from "vitest";

/** One node of an in-process test cluster: its system, its cluster and its address. */
export interface TestNode {
  readonly name: string;
  readonly system: ActorSystem;
  readonly cluster: Cluster;
  readonly address: string;
}

const started: ActorSystem[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

/** Starts `names.length` nodes over real TCP on 127.0.0.1 with fast failure detection, and waits until all see all. */
export async function startCluster(
  names: readonly string[],
  grainsOptions: (name: string) => ClusterGrainsOptions,
  roles: (name: string) => string[] = () => [],
): Promise<TestNode[]> {
  const discovery = new MemoryNetwork();
  const nodes: TestNode[] = [];
  for (const name of names) {
    const cluster = clusterPlugin({
      transport: remotingTransport({ name }),
      discovery: new MemoryDiscoveryProvider({ network: discovery }),
      roles: roles(name),
      probeIntervalMs: 100,
      pingTimeoutMs: 50,
      suspicionTimeoutMs: 500,
    });
    const system = await ActorSystem.start({
      name: "shop",
      logger: silentLogger,
      plugins: [
        remoting({ host: "127.0.0.1", port: 0, types: [file_google_protobuf_wrappers] }),
        cluster,
        clusterGrains(grainsOptions(name)),
      ],
    });
    started.push(system);
    nodes.push({ name, system, cluster, address: system.addressPrefix });
  }
  await eventually("every node to see every node", () => nodes.every((n) => n.cluster.members().length === names.length), {
    timeoutMs: 10_000,
  });
  return nodes;
}

/** A grain kind that answers every StringValue with "<node address> <its own count of messages>", and counts activations by id. */
export function whereKind(
  node: string,
  activations: Map<string, string[]>,
  options: Partial<GrainKindDefinition> = {},
): GrainKindDefinition {
  return {
    activationTimeoutMs: 10_000,
    ...options,
    factory: (identity): Grain => {
      let count = 0;
      return {
        onActivate() {
          const list = activations.get(identity.id) ?? [];
          list.push(node);
          activations.set(identity.id, list);
        },
        onReceive(ctx) {
          count++;
          if (ctx.is(StringValueSchema)) ctx.respond(create(StringValueSchema, { value: `${node} ${count}` }));
        },
      };
    },
  };
}

/** A StringValue message. */
export function text(value: string) {
  return create(StringValueSchema, { value });
}
