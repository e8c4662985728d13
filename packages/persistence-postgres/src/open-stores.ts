import { createPool } from "./connection.js";
import { type PostgresStoreOptions, resolveOptions } from "./options.js";
import { PostgresEventJournal } from "./postgres-event-journal.js";
import { PostgresSnapshotStore } from "./postgres-snapshot-store.js";
import { PostgresStateStore } from "./postgres-state-store.js";

/** The three PostgreSQL stores on one pool, closed together. */
export interface PostgresStores extends AsyncDisposable {
  /** Whole-state storage. */
  readonly state: PostgresStateStore;
  /** Event journal. */
  readonly journal: PostgresEventJournal;
  /** Snapshot store. */
  readonly snapshots: PostgresSnapshotStore;
  /** Closes all three and ends the pool they share if it was created here; idempotent. */
  close(): Promise<void>;
}

/** Opens a state store, an event journal and a snapshot store sharing one pool (the one given, or one made from connectionString). */
export function openPostgresStores(options: PostgresStoreOptions): PostgresStores {
  const resolved = resolveOptions(options);
  const owned = resolved.pool === undefined ? createPool(resolved) : undefined;
  const { connectionString: _, ...rest } = options;
  const shared: PostgresStoreOptions = { ...rest, pool: resolved.pool ?? owned! };
  const state = new PostgresStateStore(shared);
  const journal = new PostgresEventJournal(shared);
  const snapshots = new PostgresSnapshotStore(shared);
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      await Promise.all([state.close(), journal.close(), snapshots.close()]);
      await owned?.end();
    })());
  return { state, journal, snapshots, close, [Symbol.asyncDispose]: close };
}
