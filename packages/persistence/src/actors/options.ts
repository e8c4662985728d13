import { InvalidOptionError } from "@tsakt/actor";
import type { PersistenceCodec } from "../codec.js";
import type { EventJournal } from "../event-journal.js";
import type { SnapshotStore } from "../snapshot-store.js";
import type { StateStore } from "../state-store.js";
import { validateKey } from "../validation.js";

/** Options of an EventSourcedActor. */
export interface EventSourcedOptions {
  /** Where the events are appended. */
  journal: EventJournal;
  /** Encodes events and snapshots; every event type (and the state, with snapshots) must be in its types. */
  codec: PersistenceCodec;
  /** Where snapshots are saved and loaded; needed for snapshotEvery. Default: none (recovery replays every event). */
  snapshots?: SnapshotStore;
  /** The journal's id. Default: the actor's path (for example "/user/account-42"), the same after a restart or relocation. */
  persistenceId?: string;
  /** Save a snapshot of the state after every this many events (then older snapshots are deleted). Default: 0 (never). */
  snapshotEvery?: number;
  /** Delete the events a saved snapshot covers. Default: false (the journal keeps every event). */
  deleteEventsOnSnapshot?: boolean;
}

/** Options of a DurableStateActor. */
export interface DurableStateOptions {
  /** Where the whole state is saved, with its version. */
  store: StateStore;
  /** Encodes the state; its type must be in the codec's types (or json enabled). */
  codec: PersistenceCodec;
  /** The state's key in the store. Default: the actor's path (for example "/user/cart-7"), the same after a restart or relocation. */
  persistenceId?: string;
}

const eventSourcedKeys = new Set(["journal", "codec", "snapshots", "persistenceId", "snapshotEvery", "deleteEventsOnSnapshot"]);
const durableKeys = new Set(["store", "codec", "persistenceId"]);

/** EventSourcedOptions after checking, defaults filled in. */
export interface ResolvedEventSourcedOptions {
  journal: EventJournal;
  codec: PersistenceCodec;
  snapshots: SnapshotStore | undefined;
  persistenceId: string | undefined;
  snapshotEvery: number;
  deleteEventsOnSnapshot: boolean;
}

/** Checks EventSourcedOptions, naming the field at fault. */
export function checkEventSourcedOptions(options: EventSourcedOptions): ResolvedEventSourcedOptions {
  checkKeys(options, eventSourcedKeys);
  const { journal, snapshots, codec, persistenceId } = options;
  for (const method of ["append", "replay", "highestSequenceNr"])
    if (typeof (journal as unknown as Record<string, unknown> | undefined)?.[method] !== "function")
      throw new InvalidOptionError("journal", "must be an EventJournal (append, replay, highestSequenceNr, …)");
  checkCodec(codec);
  if (persistenceId !== undefined) validateKey("persistenceId", persistenceId);
  const snapshotEvery = options.snapshotEvery ?? 0;
  if (!Number.isSafeInteger(snapshotEvery) || snapshotEvery < 0)
    throw new InvalidOptionError("snapshotEvery", `must be an integer ≥ 0, got ${String(options.snapshotEvery)}`);
  if (snapshots !== undefined && (typeof snapshots?.save !== "function" || typeof snapshots.loadLatest !== "function"))
    throw new InvalidOptionError("snapshots", "must be a SnapshotStore (save, loadLatest, deleteUpTo)");
  if (snapshotEvery > 0 && snapshots === undefined) throw new InvalidOptionError("snapshots", "is required with snapshotEvery > 0");
  if (options.deleteEventsOnSnapshot !== undefined && typeof options.deleteEventsOnSnapshot !== "boolean")
    throw new InvalidOptionError("deleteEventsOnSnapshot", "must be a boolean");
  return { journal, codec, snapshots, persistenceId, snapshotEvery, deleteEventsOnSnapshot: options.deleteEventsOnSnapshot ?? false };
}

/** Checks DurableStateOptions, naming the field at fault. */
export function checkDurableOptions(options: DurableStateOptions): DurableStateOptions {
  checkKeys(options, durableKeys);
  const { store, codec, persistenceId } = options;
  if (typeof store?.save !== "function" || typeof store.load !== "function" || typeof store.clear !== "function")
    throw new InvalidOptionError("store", "must be a StateStore (load, save, clear)");
  checkCodec(codec);
  if (persistenceId !== undefined) validateKey("persistenceId", persistenceId);
  return options;
}

function checkKeys(options: unknown, known: Set<string>): void {
  if (typeof options !== "object" || options === null)
    throw new InvalidOptionError("options", `must be an object { ${[...known].join(", ")} }`);
  for (const key of Object.keys(options))
    if (!known.has(key)) throw new InvalidOptionError(key, `is not an option here (known: ${[...known].join(", ")})`);
}

function checkCodec(codec: unknown): void {
  const c = codec as Partial<PersistenceCodec> | null | undefined;
  if (typeof c?.pack !== "function" || typeof c.encodeEvent !== "function" || typeof c.decodeEvent !== "function")
    throw new InvalidOptionError("codec", "must be a PersistenceCodec (new PersistenceCodec({ types }))");
}
