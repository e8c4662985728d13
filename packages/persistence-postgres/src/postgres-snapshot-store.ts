import {
  CorruptStateError,
  checkLoadLatest,
  checkSequence,
  checkSnapshotSave,
  type Snapshot,
  type SnapshotStore,
} from "@tsakt/persistence";
import { PostgresStoreBase, toNumber } from "./postgres-base.js";

/** A SnapshotStore in a PostgreSQL table. */
export class PostgresSnapshotStore extends PostgresStoreBase implements SnapshotStore {
  /** Stores a snapshot at `sequenceNr`, replacing one saved there before. */
  save(persistenceId: string, sequenceNr: number, bytes: Uint8Array): Promise<void> {
    checkSnapshotSave(persistenceId, sequenceNr, bytes);
    const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return this.connection.run("save", async (pool) => {
      await pool.query(
        `INSERT INTO ${this.connection.tables.snapshots} (persistence_id, sequence_nr, data, created_ms) VALUES ($1, $2, $3, $4)
         ON CONFLICT (persistence_id, sequence_nr) DO UPDATE SET data = EXCLUDED.data, created_ms = EXCLUDED.created_ms`,
        [persistenceId, sequenceNr, data, Date.now()],
      );
    });
  }

  /** The snapshot with the highest sequence number ≤ maxSequenceNr, or undefined. */
  loadLatest(persistenceId: string, maxSequenceNr?: number): Promise<Snapshot | undefined> {
    const bound = checkLoadLatest(persistenceId, maxSequenceNr);
    return this.connection.run("loadLatest", async (pool) => {
      const { rows } = await pool.query(
        `SELECT sequence_nr, data, created_ms FROM ${this.connection.tables.snapshots}
         WHERE persistence_id = $1 AND sequence_nr <= $2 ORDER BY sequence_nr DESC LIMIT 1`,
        [persistenceId, bound],
      );
      const row = rows[0] as { sequence_nr: unknown; data: unknown; created_ms: unknown } | undefined;
      if (row === undefined) return undefined;
      const sequenceNr = toNumber(row.sequence_nr);
      if (!(row.data instanceof Uint8Array))
        throw new CorruptStateError(`${persistenceId}@${sequenceNr}`, "the snapshot row has no readable data");
      return { persistenceId, sequenceNr, bytes: new Uint8Array(row.data), timestamp: toNumber(row.created_ms) };
    });
  }

  /** Deletes the snapshots with a sequence number ≤ `sequenceNr`. */
  deleteUpTo(persistenceId: string, sequenceNr: number): Promise<void> {
    checkSequence(persistenceId, sequenceNr);
    return this.connection.run("deleteUpTo", async (pool) => {
      await pool.query(`DELETE FROM ${this.connection.tables.snapshots} WHERE persistence_id = $1 AND sequence_nr <= $2`, [
        persistenceId,
        sequenceNr,
      ]);
    });
  }
}
