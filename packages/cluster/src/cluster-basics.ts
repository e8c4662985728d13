import type { ActorSystem, ProtoTypes } from "@tsakt/actor";
import { pluginOf, type TimerHandle } from "@tsakt/actor/internal";
import type { Cluster } from "./cluster.js";
import { file_tsakt_cluster_v1_cluster } from "./gen/tsakt/cluster/v1/cluster_pb.js";
import { file_tsakt_cluster_v1_events } from "./gen/tsakt/cluster/v1/events_pb.js";
import { file_tsakt_cluster_v1_placement } from "./gen/tsakt/cluster/v1/placement_pb.js";

/** Why a node stops what it hosts in the cluster: it leaves gracefully, or it was downed. */
export type LeaveReason = "leave" | "downed";

/** Called before this node leaves or after it was downed, before survivors re-create what it hosted. */
export type BeforeLeaveListener = (reason: LeaveReason) => void | Promise<void>;

/** The cluster plugin running on `system`; throws PluginNotInstalledError when it was started without cluster(). */
export function clusterOf(system: ActorSystem): Cluster {
  return pluginOf<Cluster>(system, "cluster", "clusterOf(system)");
}

/** The protobuf files of the cluster's own messages; the cluster plugin declares them, so remoting knows them. */
export const clusterTypes: readonly ProtoTypes[] = Object.freeze([
  file_tsakt_cluster_v1_cluster,
  file_tsakt_cluster_v1_placement,
  file_tsakt_cluster_v1_events,
]);

/** Resolves when `promise` does or after `ms` on `clock`, whichever comes first. */
export function withTimeout(clock: ActorSystem["clock"], promise: Promise<void>, ms: number): Promise<void> {
  let timer: TimerHandle | undefined;
  const timeout = new Promise<void>((resolve) => (timer = clock.setTimeout(resolve, ms)));
  return Promise.race([promise, timeout]).finally(() => {
    if (timer !== undefined) clock.clearTimeout(timer);
  });
}
