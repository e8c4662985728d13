import { create } from "@bufbuild/protobuf";
import { type ActorSystem, InvalidOptionError, type Plugin, type ProtoTypes } from "@tsakt/actor";
import { type Cluster, clusterOf, DuplicateStoppedSchema } from "@tsakt/cluster";
import { ClusterGrainDirectory, grainKeyPrefix } from "./cluster-directory.js";
import { ClusterGrainForwarder } from "./cluster-forwarder.js";
import {
  type ClusterPlacementOptions,
  leastLoadPlacement,
  randomPlacement,
  rolePlacement,
  roundRobinPlacement,
} from "./cluster-placement.js";
import type { GrainDirectory } from "./directory.js";
import { file_tsakt_grains_v1_grains } from "./gen/tsakt/grains/v1/grains_pb.js";
import { type GrainPlacement, localPlacement } from "./placement.js";
import { type GrainsOptions, GrainsPlugin, validateOptions } from "./plugin.js";
import type { GrainRuntime } from "./runtime.js";

export { ClusterGrainDirectory, grainKeyPrefix, grainRegistryKey } from "./cluster-directory.js";
export { ClusterGrainForwarder } from "./cluster-forwarder.js";
export {
  type ClusterPlacementOptions,
  leastLoadPlacement,
  loadRefreshMs,
  randomPlacement,
  rolePlacement,
  roundRobinPlacement,
} from "./cluster-placement.js";
export {
  type GrainCall,
  type GrainCallFailed,
  GrainCallFailedSchema,
  GrainCallSchema,
  type GrainLoadQuery,
  GrainLoadQuerySchema,
  type GrainLoadReport,
  GrainLoadReportSchema,
} from "./gen/tsakt/grains/v1/grains_pb.js";

/** The grains' own protobuf messages; clusterGrains() declares them, so remoting knows them. */
export const grainClusterTypes: readonly ProtoTypes[] = Object.freeze([file_tsakt_grains_v1_grains]);

/** A GrainDirectory on the cluster's registry ("grain/<kind>/<id>", put-if-absent): one activation per identity cluster-wide. */
export function clusterGrainDirectory(cluster: Cluster): GrainDirectory {
  return new ClusterGrainDirectory(cluster);
}

/** Names of the cluster placement strategies `clusterGrains` accepts. */
export type ClusterPlacementName = "local" | "round-robin" | "random" | "least-load";

/** Options of clusterGrains: the grains plugin's kinds, and where grains activate. */
export interface ClusterGrainsOptions {
  /** Grain kinds by name (1 to 64 letters, digits, _ . -); register the same kinds on every node. Default: none. */
  kinds?: GrainsOptions["kinds"];
  /** Where a grain without an owner activates: a strategy's name or any GrainPlacement. Default: "local". */
  placement?: ClusterPlacementName | GrainPlacement;
  /** With a named strategy: only members with this role host the grains ("local" then means rolePlacement). Default: any member. */
  role?: string;
  /** Where kinds with a `state` option keep it unless they name their own store; one that every node reaches. Default: none. */
  stateStore?: GrainsOptions["stateStore"];
}

const knownOptions = new Set(["kinds", "placement", "role", "stateStore"]);

/**
 * The grains plugin for a cluster node: `plugins: [remoting({ types: [yours] }), cluster({…}), clusterGrains({ kinds })]`
 * on every node. One activation per identity cluster-wide (claims go through the cluster registry), and messages for
 * grains owned by other nodes are forwarded there; they must be protobuf types known to remoting. grainsOf and
 * grainOf work as on one node.
 */
export function clusterGrains(options: ClusterGrainsOptions = {}): Plugin & AsyncDisposable {
  if (typeof options !== "object" || options === null)
    throw new InvalidOptionError("options", "must be an object { kinds?, placement?, role?, stateStore? }");
  for (const key of Object.keys(options))
    if (!knownOptions.has(key)) throw new InvalidOptionError(key, `is not a clusterGrains option (known: ${[...knownOptions].join(", ")})`);
  const { placement = "local", role } = options;
  if (typeof placement === "string" && !["local", "round-robin", "random", "least-load"].includes(placement))
    throw new InvalidOptionError(
      "placement",
      `must be "local", "round-robin", "random", "least-load" or a GrainPlacement, got ${JSON.stringify(placement)}`,
    );
  if (role !== undefined && (typeof role !== "string" || role.length === 0))
    throw new InvalidOptionError("role", "must be a non-empty string");
  const { stateStore } = options;
  const kinds = validateOptions({
    ...(options.kinds === undefined ? {} : { kinds: options.kinds }),
    ...(stateStore === undefined ? {} : { stateStore }),
  });
  return new GrainsPlugin(
    kinds,
    (system) => {
      const cluster = clusterOf(system);
      const forwarder = new ClusterGrainForwarder(cluster);
      return {
        directory: clusterGrainDirectory(cluster),
        forwarder,
        placement: resolvePlacement(cluster, forwarder, placement, role),
        attach: (runtime) => attachToCluster(system, cluster, runtime),
      };
    },
    ["remoting", "cluster"],
    grainClusterTypes,
    stateStore,
  );
}

/**
 * Hooks the grains to the cluster's safety: before this node leaves (or once it was downed) every local activation
 * stops, so survivors activate those identities again only after; a duplicate activation that lost a registry merge
 * (after a healed partition) stops, and its messages go to the kept owner.
 */
function attachToCluster(system: ActorSystem, cluster: Cluster, runtime: GrainRuntime): void {
  runtime.releaseOnStop = false;
  cluster.beforeLeave(async () => {
    await runtime.relinquish();
  });
  // A node downed with whenDowned "rejoin" starts a new run of its cluster: its grains take messages again.
  cluster.subscribe((event) => {
    if (event.type === "member-joined" && event.member.uid === cluster.self.uid) runtime.leaving = false;
  });
  cluster.onDuplicates(async (lost, kept) => {
    const keys = new Set<string>();
    const owners = new Map<string, string>();
    const addresses = new Map(cluster.members().map((m) => [m.name, m.address]));
    for (const entry of lost) {
      if (!entry.key.startsWith(grainKeyPrefix)) continue;
      const key = entry.key.slice(grainKeyPrefix.length);
      keys.add(key);
      const owner = addresses.get(kept.find((k) => k.key === entry.key)?.owner ?? "");
      if (owner !== undefined) owners.set(key, owner);
    }
    if (keys.size === 0) return;
    const stopped = await runtime.relinquish(keys, owners);
    for (const key of stopped) {
      const keptOwner = kept.find((k) => k.key === grainKeyPrefix + key)?.owner ?? "";
      system.logger.warn({ grain: key, kept: keptOwner }, "stopped a duplicate grain activation after a merge");
      system.eventStream.publish(
        create(DuplicateStoppedSchema, { key: grainKeyPrefix + key, address: `${system.addressPrefix}/system/grains`, keptOwner }),
      );
    }
  });
}

function resolvePlacement(
  cluster: Cluster,
  forwarder: ClusterGrainForwarder,
  placement: ClusterPlacementName | GrainPlacement,
  role: string | undefined,
): GrainPlacement {
  if (typeof placement !== "string") return placement;
  const byRole: ClusterPlacementOptions = role === undefined ? {} : { role };
  switch (placement) {
    case "local":
      return role === undefined ? localPlacement : rolePlacement(cluster, role);
    case "round-robin":
      return roundRobinPlacement(cluster, byRole);
    case "random":
      return randomPlacement(cluster, byRole);
    case "least-load":
      return leastLoadPlacement(cluster, forwarder, byRole);
    default:
      return placement satisfies never;
  }
}
