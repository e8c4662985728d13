import { create, type DescMessage, type Message } from "@bufbuild/protobuf";
import { InvalidOptionError } from "@tsakt/actor";

/**
 * What grain state needs of a store: the shape of `StateStore` from @tsakt/persistence, which every backend
 * (memory, LMDB, PostgreSQL, yours) implements. Declared here so that grains without state need no @tsakt/persistence.
 */
export interface GrainStateStore {
  /** The stored bytes of `key` and their version, or undefined. */
  load(key: string): Promise<{ bytes: Uint8Array; version: number } | undefined>;
  /** Stores `bytes` if the stored version is `expectedVersion`; resolves with the new version, or rejects with ConcurrencyConflictError. */
  save(key: string, bytes: Uint8Array, expectedVersion: number): Promise<number>;
  /** Deletes `key` if its version is `expectedVersion`. */
  clear(key: string, expectedVersion: number): Promise<void>;
}

/** The schema of a state type S: for a protobuf message, a DescMessage with S's type name; any DescMessage otherwise. */
export type GrainStateSchema<S> = S extends Message ? DescMessage & { readonly typeName: S["$typeName"] } : DescMessage;

/**
 * Persistent state of a grain kind (Orleans' grain state): loaded before onActivate, read and changed as `ctx.state`,
 * saved by `ctx.writeState()`. Give `schema` for a protobuf message, or `json: true` with `initial` for a plain JSON value.
 */
export interface GrainStateOptions<S = unknown> {
  /** The state's protobuf message; the initial state is `create(schema)` unless `initial` says otherwise. */
  schema?: GrainStateSchema<S>;
  /** Store the state as plain JSON instead of protobuf (needs `initial`). Default: false. */
  json?: boolean;
  /** The state of a grain that has none stored yet (and after clearState). Default: create(schema). */
  initial?: () => S;
  /** Where the state is kept: a StateStore of @tsakt/persistence or a backend. Default: the plugin's stateStore. */
  store?: GrainStateStore;
}

/** A kind's state options after checking, with the store resolved. */
export interface GrainStateConfig {
  readonly schema: DescMessage | undefined;
  readonly json: boolean;
  readonly initial: () => unknown;
  readonly store: GrainStateStore;
}

const known = new Set(["schema", "json", "initial", "store"]);

/** True when `store` has the calls of a StateStore. */
export function isStateStore(store: unknown): store is GrainStateStore {
  const s = store as Partial<GrainStateStore> | null | undefined;
  return typeof s?.load === "function" && typeof s.save === "function" && typeof s.clear === "function";
}

/** Checks a kind's `state` option (InvalidOptionError naming `${field}.<option>`) and resolves its store. */
export function resolveStateOptions(state: unknown, field: string, defaultStore: GrainStateStore | undefined): GrainStateConfig {
  if (typeof state !== "object" || state === null)
    throw new InvalidOptionError(field, "must be an object { schema } or { json: true, initial }, with an optional store");
  const s = state as Record<string, unknown>;
  for (const key of Object.keys(s))
    if (!known.has(key)) throw new InvalidOptionError(`${field}.${key}`, `is not a grain state option (known: ${[...known].join(", ")})`);
  if (s.json !== undefined && typeof s.json !== "boolean") throw new InvalidOptionError(`${field}.json`, "must be a boolean");
  const json = s.json === true;
  const schema = s.schema as DescMessage | undefined;
  if (schema !== undefined && (typeof schema !== "object" || schema === null || schema.kind !== "message"))
    throw new InvalidOptionError(`${field}.schema`, "must be a protobuf message schema (XxxSchema from your generated code)");
  if (json && schema !== undefined) throw new InvalidOptionError(`${field}.schema`, "cannot be combined with json: true (pick one)");
  if (!json && schema === undefined) throw new InvalidOptionError(`${field}.schema`, "is required (or json: true with initial)");
  if (s.initial !== undefined && typeof s.initial !== "function")
    throw new InvalidOptionError(`${field}.initial`, "must be a function returning the initial state");
  if (json && s.initial === undefined) throw new InvalidOptionError(`${field}.initial`, "is required with json: true");
  const store = s.store ?? defaultStore;
  if (store === undefined)
    throw new InvalidOptionError(`${field}.store`, "is missing: give the kind a store, or give stateStore to grains() / clusterGrains()");
  if (!isStateStore(store)) throw new InvalidOptionError(`${field}.store`, "must be a StateStore (load, save, clear)");
  const initial = (s.initial as (() => unknown) | undefined) ?? (() => create(schema as DescMessage));
  return { schema, json, initial, store };
}
