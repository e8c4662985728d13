import { LmdbEventJournal } from "./lmdb-event-journal.js";
import { LmdbSnapshotStore } from "./lmdb-snapshot-store.js";
import { LmdbStateStore } from "./lmdb-state-store.js";
import type { LmdbStoreOptions } from "./options.js";

/** The three LMDB stores on one path, closed together. */
export interface LmdbStores extends AsyncDisposable {
  /** Whole-state storage. */
  readonly state: LmdbStateStore;
  /** Event journal. */
  readonly journal: LmdbEventJournal;
  /** Snapshot store. */
  readonly snapshots: LmdbSnapshotStore;
  /** Closes all three; idempotent. */
  close(): Promise<void>;
}

/** Opens a state store, an event journal and a snapshot store on one LMDB directory. */
export function openLmdbStores(options: LmdbStoreOptions): LmdbStores {
  const state = new LmdbStateStore(options);
  const journal = new LmdbEventJournal(options);
  const snapshots = new LmdbSnapshotStore(options);
  const close = async (): Promise<void> => {
    await Promise.all([state.close(), journal.close(), snapshots.close()]);
  };
  return { state, journal, snapshots, close, [Symbol.asyncDispose]: close };
}
