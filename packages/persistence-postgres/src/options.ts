import { InvalidOptionError } from "@tsakt/actor";
import pg from "pg";

/** Options of the PostgreSQL stores: where to connect (a connection string or your own pool) and where the tables live. */
export interface PostgresStoreOptions {
  /** A libpq-style URL, for example "postgres://user:pass@db:5432/app"; the store then owns a pool it closes. Required unless `pool` is given. */
  connectionString?: string;
  /** A pg.Pool you already have; the store uses it and leaves it open on close(). */
  pool?: pg.Pool;
  /** Schema of the tables (created when missing). Default: "public". */
  schema?: string;
  /** Prefix of the table names: <prefix>state, <prefix>journal, <prefix>journal_highest, <prefix>snapshots. Default: "tsakt_". */
  tablePrefix?: string;
  /** Create the schema and tables on first use; with false, call migrate() first. Default: true. */
  autoMigrate?: boolean;
  /** Connections in the store's own pool. Default: 10. */
  maxConnections?: number;
  /** How long to wait for a connection before failing with StoreUnavailableError. Default: 5000. */
  connectTimeoutMs?: number;
  /** How long one query may take before failing with StoreUnavailableError. Default: 30000. */
  queryTimeoutMs?: number;
  /** Largest batch of events read per query during replay. Default: 500. */
  replayPageSize?: number;
}

/** Options after validation, defaults filled in. */
export interface ResolvedPostgresOptions {
  connectionString: string | undefined;
  pool: pg.Pool | undefined;
  schema: string;
  tablePrefix: string;
  autoMigrate: boolean;
  maxConnections: number;
  connectTimeoutMs: number;
  queryTimeoutMs: number;
  replayPageSize: number;
}

const identifier = /^[a-z_][a-z0-9_]{0,39}$/;

/** Validates the options, naming the field at fault. */
export function resolveOptions(options: PostgresStoreOptions): ResolvedPostgresOptions {
  if (typeof options !== "object" || options === null)
    throw new InvalidOptionError("options", "must be an object with a connectionString or a pool");
  const { connectionString, pool } = options;
  if (pool !== undefined && !(pool instanceof pg.Pool)) throw new InvalidOptionError("pool", "must be a pg.Pool");
  if (pool === undefined && (typeof connectionString !== "string" || connectionString.length === 0))
    throw new InvalidOptionError("connectionString", "must be a postgres:// URL (or pass pool)");
  if (pool !== undefined && connectionString !== undefined)
    throw new InvalidOptionError("connectionString", "give either connectionString or pool, not both");
  const schema = options.schema ?? "public";
  if (typeof schema !== "string" || !identifier.test(schema))
    throw new InvalidOptionError("schema", "must be a lower-case SQL identifier such as public");
  const tablePrefix = options.tablePrefix ?? "tsakt_";
  if (typeof tablePrefix !== "string" || !identifier.test(`${tablePrefix}x`))
    throw new InvalidOptionError("tablePrefix", "must be lower-case letters, digits and underscores, such as tsakt_");
  if (options.autoMigrate !== undefined && typeof options.autoMigrate !== "boolean")
    throw new InvalidOptionError("autoMigrate", "must be a boolean");
  return {
    connectionString,
    pool,
    schema,
    tablePrefix,
    autoMigrate: options.autoMigrate ?? true,
    maxConnections: positive("maxConnections", options.maxConnections, 10),
    connectTimeoutMs: positive("connectTimeoutMs", options.connectTimeoutMs, 5000),
    queryTimeoutMs: positive("queryTimeoutMs", options.queryTimeoutMs, 30_000),
    replayPageSize: positive("replayPageSize", options.replayPageSize, 500),
  };
}

function positive(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1)
    throw new InvalidOptionError(field, `must be an integer ≥ 1, got ${String(value)}`);
  return value;
}
