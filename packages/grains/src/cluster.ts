import type { SystemPlugin } from "@tsakt/actor";
import type { Cluster } from "@tsakt/cluster";
import { ClusterGrainDirectory } from "./cluster-directory.js";
import { ClusterGrainForwarder, type GrainMessageTypes } from "./cluster-forwarder.js";
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
import { type GrainsOptions, grains } from "./plugin.js";

export { ClusterGrainDirectory, grainKeyPrefix, grainRegistryKey } from "./cluster-directory.js";
export { ClusterGrainForwarder, type GrainMessageTypes } from "./cluster-forwarder.js";
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

/** The grains' own protobuf messages: add them to remoting's `types` on every node (next to `clusterTypes`). */
export const grainClusterTypes = Object.freeze([file_tsakt_grains_v1_grains]);

/** A GrainDirectory on the cluster's registry ("grain/<kind>/<id>", put-if-absent): one activation per identity cluster-wide. */
export function clusterGrainDirectory(cluster: Cluster): GrainDirectory {
  return new ClusterGrainDirectory(cluster);
}

/** Names of the cluster placement strategies `clusterGrains` accepts. */
export type ClusterPlacementName = "local" | "round-robin" | "random" | "least-load";

/** Options of clusterGrains: the grains plugin's, with the directory and forwarder filled in. */
export interface ClusterGrainsOptions extends Omit<GrainsOptions, "directory" | "forwarder" | "placement"> {
  /** Protobuf schemas or files of every message sent to grains across nodes (also give them to remoting). Default: none. */
  types?: GrainMessageTypes;
  /** Where a grain without an owner activates: a strategy's name or any GrainPlacement. Default: "local". */
  placement?: ClusterPlacementName | GrainPlacement;
  /** With a named strategy: only members with this role host the grains ("local" then means rolePlacement). Default: any member. */
  role?: string;
}

/**
 * The grains plugin for a cluster node: pass it after remoting and the cluster, as
 * `plugins: [remoting({ types: [...clusterTypes, ...grainClusterTypes, ...yours] }), cluster, clusterGrains(cluster, { kinds, types: [yours] })]`.
 * Claims go through the cluster registry, and messages for grains owned by other nodes are forwarded to them.
 */
export function clusterGrains(cluster: Cluster, options: ClusterGrainsOptions = {}): SystemPlugin {
  const { types = [], placement = "local", role, ...rest } = options;
  const forwarder = new ClusterGrainForwarder(cluster, types);
  return grains({
    ...rest,
    directory: clusterGrainDirectory(cluster),
    forwarder,
    placement: resolvePlacement(cluster, forwarder, placement, role),
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
