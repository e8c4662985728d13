export { LmdbEventJournal } from "./lmdb-event-journal.js";
export { LmdbSnapshotStore } from "./lmdb-snapshot-store.js";
export { LmdbStateStore } from "./lmdb-state-store.js";
export { type LmdbStores, openLmdbStores } from "./open-stores.js";
export type { LmdbStoreOptions } from "./options.js";
