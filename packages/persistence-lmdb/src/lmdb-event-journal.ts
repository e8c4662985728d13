import {
  ConcurrencyConflictError,
  checkAppend,
  checkReplay,
  checkSequence,
  type EventJournal,
  type JournalEvent,
  type PersistedEvent,
  validateKey,
} from "@tsakt/persistence";
import { LmdbStoreBase } from "./lmdb-base.js";
import { decodeEvent, decodeNumber, encodeEvent, encodeNumber, idKey, sequencedKey, sequenceOf } from "./records.js";

/** An EventJournal in an LMDB file: a batch and its new highest sequence number commit in one transaction. */
export class LmdbEventJournal extends LmdbStoreBase implements EventJournal {
  /** Appends the batch when the highest sequence number is `expectedSequenceNr`; returns the new highest. */
  append(persistenceId: string, events: ReadonlyArray<Uint8Array | JournalEvent>, expectedSequenceNr: number): Promise<number> {
    const batch = checkAppend(persistenceId, events, expectedSequenceNr);
    const records = batch.map((e) => encodeEvent(e.typeName, e.metadata, e.bytes));
    const highestKey = idKey(persistenceId);
    const next = expectedSequenceNr + records.length;
    return this.run("append", async () => {
      const actual = await this.env.root.transaction(() => {
        const stored = decodeNumber(this.env.highest.get(highestKey), persistenceId);
        if (stored !== expectedSequenceNr) return stored;
        for (const [i, record] of records.entries()) this.env.events.put(sequencedKey(persistenceId, expectedSequenceNr + 1 + i), record);
        this.env.highest.put(highestKey, encodeNumber(next));
        return stored;
      });
      if (actual !== expectedSequenceNr) throw new ConcurrencyConflictError(persistenceId, expectedSequenceNr, actual, "sequence number");
      return next;
    });
  }

  /** Yields the stored events in the range, in order, reading a page at a time so no read transaction stays open across awaits. */
  async *replay(persistenceId: string, fromSequenceNr: number, toSequenceNr?: number, max?: number): AsyncIterable<PersistedEvent> {
    const range = checkReplay(persistenceId, fromSequenceNr, toSequenceNr, max);
    let from = range.from;
    let left = range.max;
    while (left > 0 && from <= range.to) {
      const limit = Math.min(left, this.options.replayPageSize);
      const page = await this.run("replay", () => this.readPage(persistenceId, from, range.to, limit));
      for (const event of page) yield event;
      if (page.length < limit) return;
      left -= page.length;
      from = page[page.length - 1]!.sequenceNr + 1;
    }
    this.ensureOpen("replay");
  }

  /** The highest sequence number ever appended, 0 when none was. */
  highestSequenceNr(persistenceId: string): Promise<number> {
    validateKey("persistenceId", persistenceId);
    return this.run("highestSequenceNr", () => {
      this.freshRead();
      return decodeNumber(this.env.highest.get(idKey(persistenceId)), persistenceId);
    });
  }

  /** Deletes the events up to `sequenceNr`; the highest sequence number stays. */
  deleteUpTo(persistenceId: string, sequenceNr: number): Promise<void> {
    checkSequence(persistenceId, sequenceNr);
    const start = sequencedKey(persistenceId, 0);
    const end = sequencedKey(persistenceId, sequenceNr + 1);
    return this.run("deleteUpTo", async () => {
      await this.env.root.transaction(() => {
        for (const key of this.env.events.getKeys({ start, end, snapshot: false })) this.env.events.remove(key);
      });
    });
  }

  private readPage(persistenceId: string, from: number, to: number, limit: number): PersistedEvent[] {
    this.freshRead();
    const page: PersistedEvent[] = [];
    const start = sequencedKey(persistenceId, from);
    const end = sequencedKey(persistenceId, Math.min(to, Number.MAX_SAFE_INTEGER - 1) + 1);
    for (const { key, value } of this.env.events.getRange({ start, end, limit })) {
      const sequenceNr = sequenceOf(key);
      const { typeName, metadata, bytes } = decodeEvent(value, `${persistenceId}#${sequenceNr}`);
      page.push({ persistenceId, sequenceNr, bytes, typeName, metadata });
    }
    return page;
  }
}
