import type { PersistedEvent } from "./event-journal.js";
import type { Snapshot } from "./snapshot-store.js";
import type { StoredState } from "./state-store.js";

/** One journal's events by sequence number, with the highest ever appended (kept across deletes). */
export interface MemoryJournalData {
  events: Map<number, PersistedEvent>;
  highest: number;
}

/** The data behind the in-memory stores; give one instance to several stores so they see the same data, as processes sharing a database do. */
export class MemoryStorage {
  /** State by key. */
  readonly states = new Map<string, StoredState>();
  /** Journals by persistence id. */
  readonly journals = new Map<string, MemoryJournalData>();
  /** Snapshots by persistence id, then by sequence number. */
  readonly snapshots = new Map<string, Map<number, Snapshot>>();

  /** Forgets everything stored. */
  reset(): void {
    this.states.clear();
    this.journals.clear();
    this.snapshots.clear();
  }
}

/** A copy of `bytes`, so callers can neither change what is stored nor see later changes. */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}
