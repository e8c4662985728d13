import type { ActorSystem, PID } from "@tsakt/actor";
import { Cluster, clusterOf } from "./cluster.js";
import { ClusterNotRunningError } from "./errors.js";
import type { ClusterOptions } from "./options.js";
import type { SingletonOptions, SpawnOnOptions } from "./placement.js";
import { remotingTransport } from "./remoting-transport.js";

/** Options of cluster(): those of Cluster, with the transport optional. */
export type ClusterPluginOptions = Omit<ClusterOptions, "transport"> & {
  /** How this node exchanges cluster messages. Default: remotingTransport() (start remoting before the cluster). */
  transport?: ClusterOptions["transport"];
};

/** The cluster as a SystemPlugin for ActorSystem.start({ plugins: [remoting(…), cluster({ discovery, kinds })] }); the transport defaults to remoting. */
export function cluster(options: ClusterPluginOptions): Cluster {
  const o = (typeof options === "object" && options !== null ? options : {}) as ClusterPluginOptions;
  return new Cluster({ ...o, transport: o.transport ?? remotingTransport() });
}

/** spawnOn of the cluster running on `system` (ClusterNotRunningError when there is none). */
export function spawnOn(system: ActorSystem, name: string, kind: string, options?: SpawnOnOptions): Promise<PID> {
  const running = clusterOf(system);
  if (running === undefined) return Promise.reject(new ClusterNotRunningError(`spawn "${name}" in the cluster`));
  return running.spawnOn(name, kind, options);
}

/** spawnSingleton of the cluster running on `system` (ClusterNotRunningError when there is none). */
export function spawnSingleton(system: ActorSystem, name: string, kind: string, options?: SingletonOptions): Promise<PID> {
  const running = clusterOf(system);
  if (running === undefined) return Promise.reject(new ClusterNotRunningError(`spawn singleton "${name}"`));
  return running.spawnSingleton(name, kind, options);
}
