import { type ActorSystem, InvalidOptionError, type PID } from "@tsakt/actor";
import { Cluster } from "./cluster.js";
import { clusterOf } from "./cluster-basics.js";
import type { ClusterOptions } from "./options.js";
import type { SingletonOptions, SpawnOnOptions } from "./placement/options.js";
import { remotingTransport } from "./remoting-transport.js";

/**
 * The cluster plugin: `ActorSystem.start({ plugins: [remoting(), cluster({ discovery, kinds })] })`. Options are
 * checked here (InvalidOptionError names the field). Without a `transport` it rides on remoting, which must be
 * among the plugins; clusterOf(system) returns it once started.
 */
export function cluster(options: ClusterOptions): Cluster {
  if (typeof options !== "object" || options === null)
    throw new InvalidOptionError("options", "must be an object { discovery, kinds?, … }");
  const o = options;
  const viaRemoting = o.transport === undefined;
  return new Cluster({ ...o, transport: o.transport ?? remotingTransport() }, viaRemoting ? ["remoting"] : []);
}

/** spawnOn of the cluster running on `system` (PluginNotInstalledError without the cluster plugin). */
export function spawnOn(system: ActorSystem, name: string, kind: string, options?: SpawnOnOptions): Promise<PID> {
  try {
    return clusterOf(system).spawnOn(name, kind, options);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** spawnSingleton of the cluster running on `system` (PluginNotInstalledError without the cluster plugin). */
export function spawnSingleton(system: ActorSystem, name: string, kind: string, options?: SingletonOptions): Promise<PID> {
  try {
    return clusterOf(system).spawnSingleton(name, kind, options);
  } catch (error) {
    return Promise.reject(error);
  }
}
