/** One event to append: its bytes and, optionally, its type name and metadata. */
export interface JournalEvent {
  /** The serialized event. */
  bytes: Uint8Array;
  /** The event's type name, so replay knows its schema. Default: "". */
  typeName?: string;
  /** String headers stored with the event (for example a trace id). Default: none. */
  metadata?: Record<string, string>;
}

/** An event as the journal returns it on replay. */
export interface PersistedEvent {
  /** The journal the event belongs to. */
  persistenceId: string;
  /** Its position: 1 for the first event ever appended to this persistence id. */
  sequenceNr: number;
  /** The serialized event. */
  bytes: Uint8Array;
  /** The type name given at append, "" when none was. */
  typeName: string;
  /** The metadata given at append, {} when none was. */
  metadata: Record<string, string>;
}

/** An append-only log of events per persistence id, with optimistic concurrency on the sequence number. */
export interface EventJournal extends AsyncDisposable {
  /** Short backend id: "memory", "lmdb", "postgres", … */
  readonly id: string;
  /**
   * Appends `events` as one atomic batch at expectedSequenceNr + 1, + 2, … if the highest sequence number is
   * `expectedSequenceNr` (0 for a new journal), and returns the new highest; otherwise rejects with
   * ConcurrencyConflictError and appends nothing.
   */
  append(persistenceId: string, events: ReadonlyArray<Uint8Array | JournalEvent>, expectedSequenceNr: number): Promise<number>;
  /** Yields the stored events from `fromSequenceNr` to `toSequenceNr` (inclusive; default: the last), in order, at most `max` (default: all). */
  replay(persistenceId: string, fromSequenceNr: number, toSequenceNr?: number, max?: number): AsyncIterable<PersistedEvent>;
  /** The highest sequence number ever appended (kept after deleteUpTo), 0 when none was. */
  highestSequenceNr(persistenceId: string): Promise<number>;
  /** Deletes the events up to `sequenceNr` inclusive (clamped to the highest); the highest sequence number stays. */
  deleteUpTo(persistenceId: string, sequenceNr: number): Promise<void>;
  /** Releases the backend's resources; idempotent. Calls afterwards reject with StoreClosedError. */
  close(): Promise<void>;
}
