import { checkAppend, checkReplay, checkSequence } from "./arguments.js";
import { ConcurrencyConflictError } from "./errors.js";
import type { EventJournal, JournalEvent, PersistedEvent } from "./event-journal.js";
import { MemoryStoreBase } from "./memory-base.js";
import { copyBytes } from "./memory-storage.js";
import { validateKey } from "./validation.js";

/** An EventJournal in this process's memory. */
export class MemoryEventJournal extends MemoryStoreBase implements EventJournal {
  /** Appends the batch when the highest sequence number is `expectedSequenceNr`; returns the new highest. */
  async append(persistenceId: string, events: ReadonlyArray<Uint8Array | JournalEvent>, expectedSequenceNr: number): Promise<number> {
    const batch = checkAppend(persistenceId, events, expectedSequenceNr);
    this.ensureOpen("append");
    let journal = this.storage.journals.get(persistenceId);
    const actual = journal?.highest ?? 0;
    if (actual !== expectedSequenceNr) throw new ConcurrencyConflictError(persistenceId, expectedSequenceNr, actual, "sequence number");
    if (journal === undefined) this.storage.journals.set(persistenceId, (journal = { events: new Map(), highest: 0 }));
    let sequenceNr = expectedSequenceNr;
    for (const event of batch) {
      sequenceNr++;
      journal.events.set(sequenceNr, {
        persistenceId,
        sequenceNr,
        bytes: copyBytes(event.bytes),
        typeName: event.typeName,
        metadata: { ...event.metadata },
      });
    }
    journal.highest = sequenceNr;
    return sequenceNr;
  }

  /** Yields copies of the stored events in the range, in order. */
  async *replay(persistenceId: string, fromSequenceNr: number, toSequenceNr?: number, max?: number): AsyncIterable<PersistedEvent> {
    const range = checkReplay(persistenceId, fromSequenceNr, toSequenceNr, max);
    this.ensureOpen("replay");
    const journal = this.storage.journals.get(persistenceId);
    if (journal === undefined) return;
    const last = Math.min(range.to, journal.highest);
    let yielded = 0;
    for (let sequenceNr = range.from; sequenceNr <= last && yielded < range.max; sequenceNr++) {
      const event = journal.events.get(sequenceNr);
      if (event === undefined) continue;
      yielded++;
      yield { ...event, bytes: copyBytes(event.bytes), metadata: { ...event.metadata } };
    }
  }

  /** The highest sequence number ever appended, 0 when none was. */
  async highestSequenceNr(persistenceId: string): Promise<number> {
    validateKey("persistenceId", persistenceId);
    this.ensureOpen("highestSequenceNr");
    return this.storage.journals.get(persistenceId)?.highest ?? 0;
  }

  /** Deletes the events up to `sequenceNr`; the highest sequence number stays. */
  async deleteUpTo(persistenceId: string, sequenceNr: number): Promise<void> {
    checkSequence(persistenceId, sequenceNr);
    this.ensureOpen("deleteUpTo");
    const journal = this.storage.journals.get(persistenceId);
    if (journal === undefined) return;
    for (const seq of journal.events.keys()) if (seq <= sequenceNr) journal.events.delete(seq);
  }
}
