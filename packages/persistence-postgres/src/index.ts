export { migrate } from "./migrate.js";
export { openPostgresStores, type PostgresStores } from "./open-stores.js";
export type { PostgresStoreOptions } from "./options.js";
export { PostgresEventJournal } from "./postgres-event-journal.js";
export { PostgresSnapshotStore } from "./postgres-snapshot-store.js";
export { PostgresStateStore } from "./postgres-state-store.js";
