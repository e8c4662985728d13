export { InvalidOptionError } from "@tsakt/actor";
export { DurableStateActor } from "./actors/durable-state-actor.js";
export { EventSourcedActor } from "./actors/event-sourced-actor.js";
export type { DurableStateOptions, EventSourcedOptions } from "./actors/options.js";
export {
  checkAppend,
  checkClear,
  checkLoadLatest,
  checkReplay,
  checkSave,
  checkSequence,
  checkSnapshotSave,
  type NormalizedEvent,
} from "./arguments.js";
export { type EncodedValue, isJsonValue, jsonTypeName, PersistenceCodec, type PersistenceCodecOptions } from "./codec.js";
export { ConcurrencyConflictError, CorruptStateError, StoreClosedError, StoreUnavailableError, UnknownTypeError } from "./errors.js";
export type { EventJournal, JournalEvent, PersistedEvent } from "./event-journal.js";
export type { MemoryStoreOptions } from "./memory-base.js";
export { MemoryEventJournal } from "./memory-event-journal.js";
export { MemorySnapshotStore } from "./memory-snapshot-store.js";
export { MemoryStateStore } from "./memory-state-store.js";
export { type MemoryJournalData, MemoryStorage } from "./memory-storage.js";
export { PersistentState, type PersistentStateOptions } from "./persistent-state.js";
export type { Snapshot, SnapshotStore } from "./snapshot-store.js";
export type { StateStore, StoredState } from "./state-store.js";
export { maxKeyBytes, validateKey } from "./validation.js";
