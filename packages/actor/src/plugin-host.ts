import type { Meter } from "@opentelemetry/api";
import type { ActorFactory } from "./actor.js";
import type { AskReplier } from "./ask.js";
import type { Clock } from "./clock.js";
import { PluginNotInstalledError, SystemNotStartedError } from "./errors.js";
import type { AskOptions, PID } from "./pid.js";
import { type Plugin, type ProtoTypes, packageOf } from "./plugin.js";
import type { SpawnOptions } from "./spawn-options.js";
import type { ActorSystem } from "./system.js";

/** What plugins (remoting, cluster, grains, pub/sub) may do with a system beyond what users may: the plugin host. */
export interface PluginHost {
  /** The system this host belongs to. */
  readonly system: ActorSystem;
  /** The system's clock. */
  readonly clock: Clock;
  /** The OpenTelemetry meter when the system runs with `metrics`; plugins add their instruments to it. */
  readonly meter: Meter | undefined;
  /** Spawns an actor under /system; resolves once its preStart finished. */
  spawnSystemActor(name: string, factory: ActorFactory, options?: SpawnOptions): Promise<PID>;
  /** Records an undeliverable message: counts it and publishes a Deadletter event. */
  deadLetter(message: unknown, sender: PID | undefined, receiver: string, reason: string): void;
  /**
   * Starts an ask whose reply arrives by other means: the returned temporary PID settles the promise when told the
   * reply, or `reject(error)` fails it; timeout and signal work as for pid.ask. Returns the error for bad options.
   */
  prepareAsk(target: string, options?: AskOptions): AskReplier | Error;
  /** Sets the address prefix ("tsakt://name@host:port"); remoting calls it once it listens. */
  setAddressPrefix(prefix: string): void;
  /** Runs `hook` once the system has fully stopped. */
  onTerminated(hook: () => void): void;
  /** The started plugin named `name`, or undefined. */
  plugin<T extends Plugin = Plugin>(name: string): T | undefined;
  /** Every plugin's declared protobuf types, in start order. */
  pluginTypes(): ProtoTypes[];
}

const hosts = new WeakMap<ActorSystem, PluginHost>();

/** Called by ActorSystem's constructor. */
export function registerHost(system: ActorSystem, host: PluginHost): void {
  hosts.set(system, host);
}

/** The plugin host of `system`. */
export function hostOf(system: ActorSystem): PluginHost {
  const host = hosts.get(system);
  if (host === undefined) throw new SystemNotStartedError("use a plugin: this is not a started ActorSystem");
  return host;
}

/**
 * The running plugin `name` of `system`, or PluginNotInstalledError naming the package to add: the body of every
 * `xxxOf(system)` accessor. `neededBy` says who asked, for example "clusterOf(system)".
 */
export function pluginOf<T extends Plugin>(system: ActorSystem, name: string, neededBy: string, packageName = packageOf(name)): T {
  const plugin = hostOf(system).plugin<T>(name);
  if (plugin === undefined) throw new PluginNotInstalledError(name, packageName, neededBy);
  return plugin;
}
