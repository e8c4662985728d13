/** What a state store holds for one key: the bytes and the version they were saved as. */
export interface StoredState {
  /** The state's bytes, as given to save(). */
  bytes: Uint8Array;
  /** Starts at 1 with the first save and grows by 1 with each save. */
  version: number;
}

/** Whole-state storage with optimistic concurrency: every save names the version it replaces. */
export interface StateStore extends AsyncDisposable {
  /** Short backend id: "memory", "lmdb", "postgres", … */
  readonly id: string;
  /** The stored state of `key`, or undefined when it has none. */
  load(key: string): Promise<StoredState | undefined>;
  /**
   * Saves `bytes` if the stored version is `expectedVersion` (0: the key must not exist) and returns the new
   * version (expectedVersion + 1); otherwise rejects with ConcurrencyConflictError and stores nothing.
   */
  save(key: string, bytes: Uint8Array, expectedVersion: number): Promise<number>;
  /** Deletes the state of `key` if its version is `expectedVersion`; the next save then expects 0. Clearing a missing key with 0 is a no-op. */
  clear(key: string, expectedVersion: number): Promise<void>;
  /** Releases the backend's resources; idempotent. Calls afterwards reject with StoreClosedError. */
  close(): Promise<void>;
}
