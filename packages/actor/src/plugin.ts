import type { DescFile, DescMessage, Registry } from "@bufbuild/protobuf";
import { InvalidOptionError, PluginNotInstalledError } from "./errors.js";
import type { PID } from "./pid.js";
import type { ActorSystem } from "./system.js";

/** Protobuf schemas, files or registries of messages that cross processes. */
export type ProtoTypes = DescFile | DescMessage | Registry;

/**
 * Something started and stopped with an actor system: remoting, the cluster, grains, pub/sub, or your own.
 * `ActorSystem.start({ plugins })` starts plugins after the ones they depend on, and stops them in reverse order.
 */
export interface Plugin {
  /** Unique name, the one `xxxOf(system)` looks for, for example "cluster". */
  readonly name: string;
  /** The npm package that provides the plugin, named in errors. Default: the name. */
  readonly packageName?: string;
  /** Names of plugins that must be started before this one. Default: none. */
  readonly dependsOn?: readonly string[];
  /** Protobuf types this plugin sends between nodes; remoting registers every plugin's types. Default: none. */
  readonly types?: readonly ProtoTypes[];
  /** Called once the system's guardians run, after the plugins this one depends on. */
  start(system: ActorSystem): void | Promise<void>;
  /** Called when the system stops, after user actors stopped, in reverse start order. */
  stop(): void | Promise<void>;
  /** Finds an actor the local system does not have (by name or address); undefined when unknown. */
  resolve?(nameOrAddress: string): Promise<PID | undefined>;
  /** Stops an actor this plugin owns (a remote PID); false when it is not the plugin's. */
  stopActor?(pid: PID): Promise<boolean>;
  /**
   * Reserves a top-level actor name before a local spawn (the cluster makes names unique cluster-wide); rejects with
   * ActorAlreadyExistsError when the name is taken. The returned callback learns whether the spawn then succeeded.
   */
  claimName?(name: string): Promise<((spawned: boolean) => void) | undefined>;
}

/** Checks the plugins and orders them so each starts after its dependencies, keeping the given order otherwise. */
export function orderPlugins(plugins: unknown): Plugin[] {
  if (plugins === undefined) return [];
  if (!Array.isArray(plugins)) throw new InvalidOptionError("plugins", "must be an array of plugins, such as [remoting(), cluster({ … })]");
  const byName = new Map<string, Plugin>();
  plugins.forEach((p: Partial<Plugin> | null, i) => {
    if (typeof p?.start !== "function" || typeof p.stop !== "function")
      throw new InvalidOptionError(`plugins[${i}]`, "must have start(system) and stop() functions");
    if (typeof p.name !== "string" || p.name.length === 0) throw new InvalidOptionError(`plugins[${i}].name`, "must be a non-empty string");
    if (byName.has(p.name)) throw new InvalidOptionError(`plugins[${i}]`, `repeats the "${p.name}" plugin; pass each plugin once`);
    if (p.dependsOn !== undefined && !(Array.isArray(p.dependsOn) && p.dependsOn.every((d) => typeof d === "string")))
      throw new InvalidOptionError(`plugins[${i}].dependsOn`, "must be an array of plugin names");
    byName.set(p.name, p as Plugin);
  });
  const ordered: Plugin[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (plugin: Plugin, path: string[]): void => {
    const seen = state.get(plugin.name);
    if (seen === "done") return;
    if (seen === "visiting")
      throw new InvalidOptionError("plugins", `plugins depend on each other in a circle: ${[...path, plugin.name].join(" → ")}`);
    state.set(plugin.name, "visiting");
    for (const dependency of plugin.dependsOn ?? []) {
      const needed = byName.get(dependency);
      if (needed === undefined) throw new PluginNotInstalledError(dependency, packageOf(dependency), `the "${plugin.name}" plugin`);
      visit(needed, [...path, plugin.name]);
    }
    state.set(plugin.name, "done");
    ordered.push(plugin);
  };
  for (const plugin of byName.values()) visit(plugin, []);
  return ordered;
}

const knownPackages: Record<string, string> = {
  remoting: "@tsakt/remote",
  cluster: "@tsakt/cluster",
  grains: "@tsakt/grains",
  pubsub: "@tsakt/pubsub",
};

/** The npm package that provides TsAkt's own plugin `name`, for error messages. */
export function packageOf(name: string): string {
  return knownPackages[name] ?? `the package that provides the "${name}" plugin`;
}
