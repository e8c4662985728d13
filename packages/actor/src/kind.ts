import type { ActorFactory } from "./actor.js";
import { InvalidOptionError } from "./errors.js";
import { type SpawnOptions, validateSpawnOptions } from "./spawn-options.js";

/**
 * An actor kind: a factory plus the spawn options every actor of the kind gets (mailbox, supervisor, passivation,
 * dependencies, reentrancy), wherever it is spawned: spawnOn, singletons, remote spawn and relocation.
 * Register the same kinds on every node; only the kind's name crosses the wire.
 */
export interface Kind {
  /** Makes a fresh instance (at spawn, restart and relocation). */
  readonly factory: ActorFactory;
  /** Options of every actor of this kind. Default: the system's defaults. */
  readonly options?: SpawnOptions;
}

/** A kind as given in options: a bare factory (default options) or a { factory, options } Kind. */
export type KindDefinition = ActorFactory | Kind;

/** Checks a kind definition and returns it as a Kind; InvalidOptionError names `field` when it is wrong. */
export function resolveKindDefinition(definition: unknown, field: string): Kind {
  if (typeof definition === "function") return { factory: definition as ActorFactory };
  const d = definition as Partial<Kind> | null;
  if (typeof d !== "object" || d === null || typeof d.factory !== "function")
    throw new InvalidOptionError(field, "must be an actor factory () => Actor, or { factory, options? }");
  for (const key of Object.keys(d))
    if (key !== "factory" && key !== "options")
      throw new InvalidOptionError(`${field}.${key}`, "is not a kind field (known: factory, options)");
  try {
    validateSpawnOptions(d.options);
  } catch (error) {
    if (error instanceof InvalidOptionError) throw new InvalidOptionError(`${field}.options.${error.field}`, error.reason);
    throw error;
  }
  return d.options === undefined ? { factory: d.factory } : { factory: d.factory, options: d.options };
}

/** Checks a record of kind definitions (name → definition) and returns them resolved. */
export function resolveKinds(kinds: unknown, field = "kinds"): Map<string, Kind> {
  const resolved = new Map<string, Kind>();
  if (kinds === undefined) return resolved;
  if (typeof kinds !== "object" || kinds === null || Array.isArray(kinds))
    throw new InvalidOptionError(field, "must be an object mapping kind names to factories or { factory, options }");
  for (const [name, definition] of Object.entries(kinds)) {
    if (name.length === 0) throw new InvalidOptionError(field, "kind names must be non-empty");
    resolved.set(name, resolveKindDefinition(definition, `${field}.${name}`));
  }
  return resolved;
}
