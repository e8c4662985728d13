import { checkLoadLatest, checkSequence, checkSnapshotSave, type Snapshot, type SnapshotStore } from "@tsakt/persistence";
import { LmdbStoreBase } from "./lmdb-base.js";
import { decodeSnapshot, encodeSnapshot, idPrefix, sequencedKey, sequenceOf } from "./records.js";

/** A SnapshotStore in an LMDB file. */
export class LmdbSnapshotStore extends LmdbStoreBase implements SnapshotStore {
  /** Stores a snapshot at `sequenceNr`, replacing one saved there before. */
  save(persistenceId: string, sequenceNr: number, bytes: Uint8Array): Promise<void> {
    checkSnapshotSave(persistenceId, sequenceNr, bytes);
    const record = encodeSnapshot(Date.now(), bytes);
    return this.run("save", async () => {
      await this.env.snapshots.put(sequencedKey(persistenceId, sequenceNr), record);
    });
  }

  /** The snapshot with the highest sequence number ≤ maxSequenceNr, or undefined. */
  loadLatest(persistenceId: string, maxSequenceNr?: number): Promise<Snapshot | undefined> {
    const bound = checkLoadLatest(persistenceId, maxSequenceNr);
    return this.run("loadLatest", () => {
      this.freshRead();
      const range = this.env.snapshots.getRange({
        // Reversed, start is inclusive and end exclusive; the bare id prefix sorts before every key of this id.
        start: sequencedKey(persistenceId, bound),
        end: idPrefix(persistenceId),
        reverse: true,
        limit: 1,
      });
      for (const { key, value } of range) {
        const sequenceNr = sequenceOf(key);
        const { timestamp, bytes } = decodeSnapshot(value, `${persistenceId}@${sequenceNr}`);
        return { persistenceId, sequenceNr, bytes, timestamp };
      }
      return undefined;
    });
  }

  /** Deletes the snapshots with a sequence number ≤ `sequenceNr`. */
  deleteUpTo(persistenceId: string, sequenceNr: number): Promise<void> {
    checkSequence(persistenceId, sequenceNr);
    const start = sequencedKey(persistenceId, 0);
    const end = sequencedKey(persistenceId, sequenceNr + 1);
    return this.run("deleteUpTo", async () => {
      await this.env.root.transaction(() => {
        for (const key of this.env.snapshots.getKeys({ start, end, snapshot: false })) this.env.snapshots.remove(key);
      });
    });
  }
}
