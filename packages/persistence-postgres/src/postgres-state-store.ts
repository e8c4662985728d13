import {
  ConcurrencyConflictError,
  CorruptStateError,
  checkClear,
  checkSave,
  type StateStore,
  type StoredState,
  validateKey,
} from "@tsakt/persistence";
import type pg from "pg";
import { PostgresStoreBase, toNumber } from "./postgres-base.js";

/** A StateStore in a PostgreSQL table; every save is one conditional statement (insert-if-absent or update-if-version). */
export class PostgresStateStore extends PostgresStoreBase implements StateStore {
  /** The stored state of `key`, or undefined. */
  load(key: string): Promise<StoredState | undefined> {
    validateKey("key", key);
    return this.connection.run("load", async (pool) => {
      const { rows } = await pool.query(`SELECT version, data FROM ${this.connection.tables.state} WHERE key = $1`, [key]);
      const row = rows[0] as { version: unknown; data: unknown } | undefined;
      if (row === undefined) return undefined;
      const version = toNumber(row.version);
      if (!Number.isSafeInteger(version) || version < 1 || !(row.data instanceof Uint8Array))
        throw new CorruptStateError(
          key,
          `the state row has version ${String(row.version)} and ${row.data === null ? "no" : "unreadable"} data`,
        );
      return { version, bytes: new Uint8Array(row.data) };
    });
  }

  /** Saves when the stored version is `expectedVersion`; returns the new version. */
  save(key: string, bytes: Uint8Array, expectedVersion: number): Promise<number> {
    checkSave(key, bytes, expectedVersion);
    const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const t = this.connection.tables.state;
    return this.connection.run("save", async (pool) => {
      const result =
        expectedVersion === 0
          ? await pool.query(`INSERT INTO ${t} (key, version, data) VALUES ($1, 1, $2) ON CONFLICT (key) DO NOTHING`, [key, data])
          : await pool.query(`UPDATE ${t} SET version = version + 1, data = $2, updated_at = now() WHERE key = $1 AND version = $3`, [
              key,
              data,
              expectedVersion,
            ]);
      if (result.rowCount !== 1) throw new ConcurrencyConflictError(key, expectedVersion, await this.versionOf(pool, key));
      return expectedVersion + 1;
    });
  }

  /** Deletes the state when its version is `expectedVersion`. */
  clear(key: string, expectedVersion: number): Promise<void> {
    checkClear(key, expectedVersion);
    return this.connection.run("clear", async (pool) => {
      if (expectedVersion === 0) {
        const actual = await this.versionOf(pool, key);
        if (actual !== 0) throw new ConcurrencyConflictError(key, 0, actual);
        return;
      }
      const result = await pool.query(`DELETE FROM ${this.connection.tables.state} WHERE key = $1 AND version = $2`, [
        key,
        expectedVersion,
      ]);
      if (result.rowCount !== 1) throw new ConcurrencyConflictError(key, expectedVersion, await this.versionOf(pool, key));
    });
  }

  private async versionOf(pool: pg.Pool, key: string): Promise<number> {
    const { rows } = await pool.query(`SELECT version FROM ${this.connection.tables.state} WHERE key = $1`, [key]);
    const row = rows[0] as { version: unknown } | undefined;
    return row === undefined ? 0 : toNumber(row.version);
  }
}
