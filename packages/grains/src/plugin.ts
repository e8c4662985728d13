import { type ActorSystem, InvalidOptionError, type SystemPlugin } from "@tsakt/actor";
import { type GrainDirectory, InMemoryGrainDirectory } from "./directory.js";
import { GrainsNotInstalledError } from "./errors.js";
import type { GrainForwarder } from "./forwarder.js";
import type { GrainRef } from "./grain-ref.js";
import { validateKind } from "./identity.js";
import { type GrainKind, type GrainKindDefinition, resolveKind } from "./kind.js";
import { type GrainPlacement, localPlacement } from "./placement.js";
import { GrainRuntime } from "./runtime.js";

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
}

const knownOptions = new Set(["kinds", "directory", "placement", "forwarder"]);
const runtimes = new WeakMap<ActorSystem, GrainRuntime>();

/**
 * The grains plugin: pass it to ActorSystem.start({ plugins: [grains({ kinds })] }). It starts the grain manager
 * at /system/grains; when the system stops it deactivates every grain (onDeactivate runs) after user actors stopped.
 * Options are checked here, so a mistake fails before the system starts. One plugin object serves one system.
 */
export function grains(options: GrainsOptions = {}): SystemPlugin {
  const kinds = validateOptions(options);
  const directory = options.directory ?? new InMemoryGrainDirectory();
  const placement = options.placement ?? localPlacement;
  let runtime: GrainRuntime | undefined;
  return {
    name: "grains",
    async start(system: ActorSystem): Promise<void> {
      if (runtime !== undefined)
        throw new InvalidOptionError("plugins", "a grains() plugin serves one system; call grains() once per system");
      if (runtimes.has(system)) throw new InvalidOptionError("plugins", "the system already has a grains plugin; pass only one");
      runtime = await GrainRuntime.start(system, kinds, directory, placement, options.forwarder);
      runtimes.set(system, runtime);
    },
    async stop(): Promise<void> {
      await runtime?.stop();
    },
  };
}

/** Adds a grain kind to a running system's grains; throws InvalidOptionError naming "kind" or "definition.<option>". */
export function registerGrainKind(system: ActorSystem, kind: string, definition: GrainKindDefinition): void {
  const runtime = runtimeOf(system);
  validateKind(kind);
  if (runtime.kinds.has(kind)) throw new InvalidOptionError("kind", `${JSON.stringify(kind)} is already registered; choose another name`);
  runtime.kinds.set(kind, resolveKind(kind, definition, "definition"));
}

/**
 * A handle on the grain `kind`/`id` of `system`, to tell and ask like a PID; the grain activates on the first
 * message. Throws InvalidOptionError naming "kind" or "id", UnknownGrainKindError, or GrainsNotInstalledError.
 */
export function grainOf(system: ActorSystem, kind: string, id: string): GrainRef {
  return runtimeOf(system).ref(kind, id);
}

/** @internal The grains runtime of `system`, for @tsakt/grains/cluster. */
export function runtimeOf(system: ActorSystem): GrainRuntime {
  const runtime = runtimes.get(system);
  if (runtime === undefined) throw new GrainsNotInstalledError();
  return runtime;
}

function validateOptions(options: unknown): GrainKind[] {
  if (typeof options !== "object" || options === null)
    throw new InvalidOptionError("options", "must be an object { kinds?, directory?, placement? }");
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o))
    if (!knownOptions.has(key)) throw new InvalidOptionError(key, `is not a grains option (known: ${[...knownOptions].join(", ")})`);
  const kinds: GrainKind[] = [];
  if (o.kinds !== undefined) {
    if (typeof o.kinds !== "object" || o.kinds === null || Array.isArray(o.kinds))
      throw new InvalidOptionError("kinds", "must be an object mapping kind names to { factory, … }");
    for (const [name, definition] of Object.entries(o.kinds)) {
      validateKind(name);
      kinds.push(resolveKind(name, definition, `kinds.${name}`));
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
