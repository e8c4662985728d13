import type pg from "pg";
import type { ResolvedPostgresOptions } from "./options.js";

/** The quoted, schema-qualified names of the tables. */
export interface Tables {
  state: string;
  journal: string;
  highest: string;
  snapshots: string;
  schema: string;
}

/** Table names for the options' schema and prefix (validated identifiers, so quoting is enough). */
export function tablesFor(options: Pick<ResolvedPostgresOptions, "schema" | "tablePrefix">): Tables {
  const q = (name: string) => `"${options.schema}"."${options.tablePrefix}${name}"`;
  return {
    state: q("state"),
    journal: q("journal"),
    highest: q("journal_highest"),
    snapshots: q("snapshots"),
    schema: `"${options.schema}"`,
  };
}

/** The DDL, idempotent: every statement is IF NOT EXISTS, so running it again changes nothing. */
export function schemaStatements(t: Tables): string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS ${t.schema}`,
    `CREATE TABLE IF NOT EXISTS ${t.state} (
       key text PRIMARY KEY,
       version bigint NOT NULL,
       data bytea NOT NULL,
       updated_at timestamptz NOT NULL DEFAULT now())`,
    `CREATE TABLE IF NOT EXISTS ${t.highest} (
       persistence_id text PRIMARY KEY,
       highest bigint NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${t.journal} (
       persistence_id text NOT NULL,
       sequence_nr bigint NOT NULL,
       type_name text NOT NULL,
       metadata jsonb NOT NULL,
       data bytea NOT NULL,
       written_at timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (persistence_id, sequence_nr))`,
    `CREATE TABLE IF NOT EXISTS ${t.snapshots} (
       persistence_id text NOT NULL,
       sequence_nr bigint NOT NULL,
       data bytea NOT NULL,
       created_ms bigint NOT NULL,
       PRIMARY KEY (persistence_id, sequence_nr))`,
  ];
}

// Concurrent CREATE ... IF NOT EXISTS from several processes can still collide in the catalog, so migrations
// take a transaction-scoped advisory lock first (the number is arbitrary but fixed for TsAkt).
const MIGRATION_LOCK = 7_302_114_161;

/** Creates the schema and tables in one transaction under an advisory lock; safe to run from many processes at once. */
export async function runMigration(pool: pg.Pool, tables: Tables): Promise<void> {
  const client = await pool.connect();
  let failed = false;
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    for (const statement of schemaStatements(tables)) await client.query(statement);
    await client.query("COMMIT");
  } catch (error) {
    failed = true;
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release(failed);
  }
}
