import {
  ConcurrencyConflictError,
  CorruptStateError,
  checkAppend,
  checkReplay,
  checkSequence,
  type EventJournal,
  type JournalEvent,
  type PersistedEvent,
  validateKey,
} from "@tsakt/persistence";
import type pg from "pg";
import { PostgresStoreBase, toNumber } from "./postgres-base.js";

interface EventRow {
  sequence_nr: unknown;
  type_name: unknown;
  metadata: unknown;
  data: unknown;
}

/**
 * An EventJournal in PostgreSQL. An append is one statement: it moves the persistence id's highest sequence number
 * from the expected value to the new one and inserts the batch only if that worked, so the batch is atomic and two
 * appends with the same expectation cannot both succeed.
 */
export class PostgresEventJournal extends PostgresStoreBase implements EventJournal {
  /** Appends the batch when the highest sequence number is `expectedSequenceNr`; returns the new highest. */
  append(persistenceId: string, events: ReadonlyArray<Uint8Array | JournalEvent>, expectedSequenceNr: number): Promise<number> {
    const batch = checkAppend(persistenceId, events, expectedSequenceNr);
    const next = expectedSequenceNr + batch.length;
    const columns = [
      batch.map((_, i) => expectedSequenceNr + 1 + i),
      batch.map((e) => e.typeName),
      batch.map((e) => JSON.stringify(e.metadata)),
      batch.map((e) => Buffer.from(e.bytes.buffer, e.bytes.byteOffset, e.bytes.byteLength)),
    ];
    const { journal, highest } = this.connection.tables;
    const bump =
      expectedSequenceNr === 0
        ? `INSERT INTO ${highest} (persistence_id, highest) VALUES ($1, $2) ON CONFLICT (persistence_id) DO NOTHING RETURNING 1`
        : `UPDATE ${highest} SET highest = $2 WHERE persistence_id = $1 AND highest = $7 RETURNING 1`;
    const sql = `WITH bump AS (${bump})
      INSERT INTO ${journal} (persistence_id, sequence_nr, type_name, metadata, data)
      SELECT $1, e.seq, e.type_name, e.metadata::jsonb, e.data
      FROM unnest($3::bigint[], $4::text[], $5::text[], $6::bytea[]) AS e(seq, type_name, metadata, data)
      WHERE EXISTS (SELECT 1 FROM bump)`;
    const params: unknown[] = [persistenceId, next, ...columns];
    if (expectedSequenceNr !== 0) params.push(expectedSequenceNr);
    return this.connection.run("append", async (pool) => {
      const result = await pool.query(sql, params);
      if (result.rowCount !== batch.length)
        throw new ConcurrencyConflictError(persistenceId, expectedSequenceNr, await this.highestOf(pool, persistenceId), "sequence number");
      return next;
    });
  }

  /** Yields the stored events in the range, in order, one query per page. */
  async *replay(persistenceId: string, fromSequenceNr: number, toSequenceNr?: number, max?: number): AsyncIterable<PersistedEvent> {
    const range = checkReplay(persistenceId, fromSequenceNr, toSequenceNr, max);
    const sql = `SELECT sequence_nr, type_name, metadata, data FROM ${this.connection.tables.journal}
      WHERE persistence_id = $1 AND sequence_nr >= $2 AND sequence_nr <= $3 ORDER BY sequence_nr LIMIT $4`;
    let from = range.from;
    let left = range.max;
    while (left > 0 && from <= range.to) {
      const limit = Math.min(left, this.connection.options.replayPageSize);
      const rows = await this.connection.run(
        "replay",
        async (pool) => (await pool.query(sql, [persistenceId, from, range.to, limit])).rows as EventRow[],
      );
      for (const row of rows) yield toEvent(persistenceId, row);
      if (rows.length < limit) return;
      left -= rows.length;
      from = toNumber(rows[rows.length - 1]!.sequence_nr) + 1;
    }
    this.connection.ensureOpen("replay");
  }

  /** The highest sequence number ever appended, 0 when none was. */
  highestSequenceNr(persistenceId: string): Promise<number> {
    validateKey("persistenceId", persistenceId);
    return this.connection.run("highestSequenceNr", (pool) => this.highestOf(pool, persistenceId));
  }

  /** Deletes the events up to `sequenceNr`; the highest sequence number stays. */
  deleteUpTo(persistenceId: string, sequenceNr: number): Promise<void> {
    checkSequence(persistenceId, sequenceNr);
    return this.connection.run("deleteUpTo", async (pool) => {
      await pool.query(`DELETE FROM ${this.connection.tables.journal} WHERE persistence_id = $1 AND sequence_nr <= $2`, [
        persistenceId,
        sequenceNr,
      ]);
    });
  }

  private async highestOf(pool: pg.Pool, persistenceId: string): Promise<number> {
    const { rows } = await pool.query(`SELECT highest FROM ${this.connection.tables.highest} WHERE persistence_id = $1`, [persistenceId]);
    const row = rows[0] as { highest: unknown } | undefined;
    return row === undefined ? 0 : toNumber(row.highest);
  }
}

function toEvent(persistenceId: string, row: EventRow): PersistedEvent {
  const sequenceNr = toNumber(row.sequence_nr);
  const key = `${persistenceId}#${sequenceNr}`;
  if (!(row.data instanceof Uint8Array) || typeof row.type_name !== "string")
    throw new CorruptStateError(key, "the journal row has no readable data or type name");
  const metadata = row.metadata;
  if (
    typeof metadata !== "object" ||
    metadata === null ||
    Array.isArray(metadata) ||
    Object.values(metadata).some((v) => typeof v !== "string")
  )
    throw new CorruptStateError(key, `its metadata ${JSON.stringify(metadata)} is not an object of strings`);
  return {
    persistenceId,
    sequenceNr,
    bytes: new Uint8Array(row.data),
    typeName: row.type_name,
    metadata: { ...(metadata as Record<string, string>) },
  };
}
