/** A stored snapshot: the state as of an event sequence number. */
export interface Snapshot {
  /** The journal the snapshot belongs to. */
  persistenceId: string;
  /** The sequence number of the last event the snapshot includes. */
  sequenceNr: number;
  /** The serialized state. */
  bytes: Uint8Array;
  /** When it was saved, in ms since the epoch. */
  timestamp: number;
}

/** Snapshots of event-sourced state, so recovery replays only the events after the latest one. */
export interface SnapshotStore extends AsyncDisposable {
  /** Short backend id: "memory", "lmdb", "postgres", … */
  readonly id: string;
  /** Stores a snapshot at `sequenceNr`, replacing one saved there before. */
  save(persistenceId: string, sequenceNr: number, bytes: Uint8Array): Promise<void>;
  /** The snapshot with the highest sequence number ≤ maxSequenceNr (default: any), or undefined. */
  loadLatest(persistenceId: string, maxSequenceNr?: number): Promise<Snapshot | undefined>;
  /** Deletes the snapshots with a sequence number ≤ `sequenceNr`. */
  deleteUpTo(persistenceId: string, sequenceNr: number): Promise<void>;
  /** Releases the backend's resources; idempotent. Calls afterwards reject with StoreClosedError. */
  close(): Promise<void>;
}
