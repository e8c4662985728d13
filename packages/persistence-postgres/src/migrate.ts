import { isTsaktError } from "@tsakt/actor";
import { StoreUnavailableError } from "@tsakt/persistence";
import { createPool } from "./connection.js";
import { type PostgresStoreOptions, resolveOptions } from "./options.js";
import { runMigration, tablesFor } from "./schema.js";

/** Creates the schema and tables the stores use (idempotent, safe from several processes at once); for deployments that run migrations up front. */
export async function migrate(options: PostgresStoreOptions): Promise<void> {
  const resolved = resolveOptions(options);
  const pool = resolved.pool ?? createPool(resolved);
  try {
    await runMigration(pool, tablesFor(resolved));
  } catch (error) {
    if (isTsaktError(error)) throw error;
    throw new StoreUnavailableError("postgres", "migrate", error);
  } finally {
    if (resolved.pool === undefined) await pool.end();
  }
}
