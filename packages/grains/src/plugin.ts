import { type ActorSystem, InvalidOptionError, type Plugin, type ProtoTypes, SystemNotStartedError } from "@tsakt/actor";
import { pluginOf } from "@tsakt/actor/internal";
import { type GrainDirectory, InMemoryGrainDirectory } from "./directory.js";
import type { GrainForwarder } from "./forwarder.js";
import type { GrainRef } from "./grain-ref.js";
import { validateKind } from "./identity.js";
import { type GrainKind, type GrainKindDefinition, resolveKind } from "./kind.js";
import { GrainManager } from "./manager.js";
import { type GrainPlacement, localPlacement } from "./placement.js";
import { GrainRuntime } from "./runtime.js";
import { type GrainStateStore, isStateStore } from "./state-options.js";

/** Options of the grains plugin. */
export interface GrainsOptions {
  /** Grain kinds by name (1 to 64 letters, digits, _ . -); more can be added later with registerGrainKind. Default: none. */
  kinds?: Record<string, GrainKindDefinition>;
  /** Where identities' owners are recorded; the cluster provides a cluster-wide one. Default: a new InMemoryGrainDirectory. */
  directory?: GrainDirectory;
  /** Which node activates a grain that has no owner yet. Default: localPlacement. */
  placement?: GrainPlacement;
  /** Carries messages of grains owned by other nodes there; `@tsakt/grains/cluster` provides one. Default: none (GrainOwnedElsewhereError). */
  forwarder?: GrainForwarder;
  /** Where kinds with a `state` option keep it unless they name their own store. Default: none. */
  stateStore?: GrainStateStore;
}

const knownOptions = new Set(["kinds", "directory", "placement", "forwarder", "stateStore"]);

/** The grains of one actor system, from grainsOf(system). */
export interface Grains {
  /** A handle on the grain `kind`/`id`; throws InvalidOptionError naming "kind" or "id", or UnknownGrainKindError. */
  of(kind: string, id: string): GrainRef;
  /** Adds a grain kind; throws InvalidOptionError naming "kind" or "definition.<option>". */
  registerKind(kind: string, definition: GrainKindDefinition): void;
  /** Names of the registered kinds. */
  kinds(): string[];
  /** Number of grains active on this node. */
  activeCount(): number;
}

/** Makes the directory, placement and forwarder once the system runs (clusterGrains provides them from the cluster). */
export type GrainsWiring = (system: ActorSystem) => {
  directory: GrainDirectory;
  placement: GrainPlacement;
  forwarder?: GrainForwarder;
  /** Called once the runtime runs, to hook it to the cluster. */
  attach?: (runtime: GrainRuntime) => void;
};

/** The grains plugin of one system: the Plugin that ActorSystem.start runs, and the Grains that grainsOf returns. */
export class GrainsPlugin implements Plugin, Grains {
  readonly name = "grains";
  readonly packageName = "@tsakt/grains";
  private runtime: GrainRuntime | undefined = undefined;

  constructor(
    private readonly initialKinds: readonly GrainKind[],
    private readonly wiring: GrainsWiring,
    readonly dependsOn: readonly string[] = [],
    readonly types: readonly ProtoTypes[] = [],
    /** The default store of kinds with state, for kinds registered later too. */
    private readonly stateStore: GrainStateStore | undefined = undefined,
  ) {}

  async start(system: ActorSystem): Promise<void> {
    if (this.runtime !== undefined) throw new InvalidOptionError("plugins", "a grains plugin serves one system; make one per system");
    const { directory, placement, forwarder, attach } = this.wiring(system);
    this.runtime = await GrainRuntime.start(
      system,
      this.initialKinds,
      directory,
      placement,
      forwarder,
      (runtime) => new GrainManager(runtime),
    );
    attach?.(this.runtime);
  }

  async stop(): Promise<void> {
    await this.runtime?.stop();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  of(kind: string, id: string): GrainRef {
    return this.started().ref(kind, id);
  }

  registerKind(kind: string, definition: GrainKindDefinition): void {
    const runtime = this.started();
    validateKind(kind);
    if (runtime.kinds.has(kind)) throw new InvalidOptionError("kind", `${JSON.stringify(kind)} is already registered; choose another name`);
    runtime.kinds.set(kind, resolveKind(kind, definition, "definition", this.stateStore));
  }

  kinds(): string[] {
    return [...this.started().kinds.keys()];
  }

  activeCount(): number {
    return this.started().activeCount();
  }

  /** @internal The running runtime, for @tsakt/grains/cluster and tests. */
  started(): GrainRuntime {
    if (this.runtime === undefined) throw new SystemNotStartedError("use grains before the system started them");
    return this.runtime;
  }
}

/**
 * The grains plugin: `ActorSystem.start({ plugins: [grains({ kinds })] })`. It starts the grain manager at
 * /system/grains; when the system stops it deactivates every grain (onDeactivate runs) after user actors stopped.
 * Options are checked here, so a mistake fails before the system starts. For a cluster use clusterGrains() from
 * @tsakt/grains/cluster instead.
 */
export function grains(options: GrainsOptions = {}): Plugin & AsyncDisposable {
  const kinds = validateOptions(options);
  const directory = options.directory ?? new InMemoryGrainDirectory();
  const placement = options.placement ?? localPlacement;
  const forwarder = options.forwarder;
  return new GrainsPlugin(
    kinds,
    () => (forwarder === undefined ? { directory, placement } : { directory, placement, forwarder }),
    [],
    [],
    options.stateStore,
  );
}

/** The grains of `system`; throws PluginNotInstalledError when it was started without grains() or clusterGrains(). */
export function grainsOf(system: ActorSystem): Grains {
  return pluginOf<GrainsPlugin>(system, "grains", "grainsOf(system)");
}

/**
 * A handle on the grain `kind`/`id` of `system`, to tell and ask like a PID; the grain activates on the first
 * message. Throws InvalidOptionError naming "kind" or "id", UnknownGrainKindError, or PluginNotInstalledError.
 */
export function grainOf(system: ActorSystem, kind: string, id: string): GrainRef {
  return pluginOf<GrainsPlugin>(system, "grains", "grainOf(system, kind, id)").of(kind, id);
}

/** @internal The grains runtime of `system`, for @tsakt/grains/cluster and tests. */
export function runtimeOf(system: ActorSystem): GrainRuntime {
  return pluginOf<GrainsPlugin>(system, "grains", "the grains runtime").started();
}

/** Checks grains() options; returns the kinds. */
export function validateOptions(options: unknown): GrainKind[] {
  if (typeof options !== "object" || options === null)
    throw new InvalidOptionError("options", "must be an object { kinds?, directory?, placement?, forwarder?, stateStore? }");
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o))
    if (!knownOptions.has(key)) throw new InvalidOptionError(key, `is not a grains option (known: ${[...knownOptions].join(", ")})`);
  if (o.stateStore !== undefined && !isStateStore(o.stateStore))
    throw new InvalidOptionError("stateStore", "must be a StateStore (load, save, clear), for example from @tsakt/persistence-lmdb");
  const stateStore = o.stateStore as GrainStateStore | undefined;
  const kinds: GrainKind[] = [];
  if (o.kinds !== undefined) {
    if (typeof o.kinds !== "object" || o.kinds === null || Array.isArray(o.kinds))
      throw new InvalidOptionError("kinds", "must be an object mapping kind names to { factory, … }");
    for (const [name, definition] of Object.entries(o.kinds)) {
      validateKind(name);
      kinds.push(resolveKind(name, definition, `kinds.${name}`, stateStore));
    }
  }
  if (o.directory !== undefined) {
    const d = o.directory as Record<string, unknown> | null;
    for (const method of ["lookup", "claim", "release"])
      if (typeof d?.[method] !== "function") throw new InvalidOptionError(`directory.${method}`, "must be a function (see GrainDirectory)");
    if (typeof d?.name !== "string") throw new InvalidOptionError("directory.name", "must be a string");
  }
  if (o.forwarder !== undefined) {
    const f = o.forwarder as Record<string, unknown> | null;
    for (const method of ["start", "tell", "ask", "accepts", "receive", "stop"])
      if (typeof f?.[method] !== "function") throw new InvalidOptionError(`forwarder.${method}`, "must be a function (see GrainForwarder)");
  }
  if (o.placement !== undefined) {
    const p = o.placement as Record<string, unknown> | null;
    if (typeof p?.place !== "function")
      throw new InvalidOptionError("placement.place", "must be a function (request) => node (see GrainPlacement)");
    if (typeof p?.name !== "string") throw new InvalidOptionError("placement.name", "must be a string");
  }
  return kinds;
}
