import { checkLoadLatest, checkSequence, checkSnapshotSave } from "./arguments.js";
import { MemoryStoreBase } from "./memory-base.js";
import { copyBytes } from "./memory-storage.js";
import type { Snapshot, SnapshotStore } from "./snapshot-store.js";

/** A SnapshotStore in this process's memory. */
export class MemorySnapshotStore extends MemoryStoreBase implements SnapshotStore {
  /** Stores a snapshot at `sequenceNr`, replacing one saved there before. */
  async save(persistenceId: string, sequenceNr: number, bytes: Uint8Array): Promise<void> {
    checkSnapshotSave(persistenceId, sequenceNr, bytes);
    this.ensureOpen("save");
    let byPid = this.storage.snapshots.get(persistenceId);
    if (byPid === undefined) this.storage.snapshots.set(persistenceId, (byPid = new Map()));
    byPid.set(sequenceNr, { persistenceId, sequenceNr, bytes: copyBytes(bytes), timestamp: Date.now() });
  }

  /** The snapshot with the highest sequence number ≤ maxSequenceNr, or undefined. */
  async loadLatest(persistenceId: string, maxSequenceNr?: number): Promise<Snapshot | undefined> {
    const bound = checkLoadLatest(persistenceId, maxSequenceNr);
    this.ensureOpen("loadLatest");
    let best: Snapshot | undefined;
    for (const snapshot of this.storage.snapshots.get(persistenceId)?.values() ?? [])
      if (snapshot.sequenceNr <= bound && (best === undefined || snapshot.sequenceNr > best.sequenceNr)) best = snapshot;
    return best === undefined ? undefined : { ...best, bytes: copyBytes(best.bytes) };
  }

  /** Deletes the snapshots with a sequence number ≤ `sequenceNr`. */
  async deleteUpTo(persistenceId: string, sequenceNr: number): Promise<void> {
    checkSequence(persistenceId, sequenceNr);
    this.ensureOpen("deleteUpTo");
    const byPid = this.storage.snapshots.get(persistenceId);
    if (byPid === undefined) return;
    for (const seq of byPid.keys()) if (seq <= sequenceNr) byPid.delete(seq);
  }
}
