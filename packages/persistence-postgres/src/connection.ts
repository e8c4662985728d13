import { isTsaktError } from "@tsakt/actor";
import { StoreClosedError, StoreUnavailableError } from "@tsakt/persistence";
import pg from "pg";
import type { ResolvedPostgresOptions } from "./options.js";
import { runMigration, type Tables, tablesFor } from "./schema.js";

// node-postgres hands bigint columns over as strings; every bigint here is a version, sequence number or ms timestamp,
// all below 2^53, so the stores convert them with Number().

/** A pool (owned or borrowed), lazy migration, and the mapping of driver failures to StoreUnavailableError. */
export class Connection {
  readonly tables: Tables;
  private readonly pool: pg.Pool;
  private readonly ownsPool: boolean;
  private migrated: Promise<void> | undefined;
  private readonly inflight = new Set<Promise<unknown>>();
  private closing: Promise<void> | undefined;

  constructor(readonly options: ResolvedPostgresOptions) {
    this.tables = tablesFor(options);
    if (options.pool !== undefined) {
      this.pool = options.pool;
      this.ownsPool = false;
    } else {
      this.pool = createPool(options);
      this.ownsPool = true;
    }
  }

  /** Runs `body` with the pool after the lazy migration; rejects after close, maps driver errors to StoreUnavailableError. */
  run<T>(operation: string, body: (pool: pg.Pool) => Promise<T>): Promise<T> {
    if (this.closing !== undefined) return Promise.reject(new StoreClosedError("postgres", operation));
    const done = (async () => {
      try {
        if (this.options.autoMigrate) await this.migrate();
        return await body(this.pool);
      } catch (error) {
        if (isTsaktError(error)) throw error;
        throw new StoreUnavailableError("postgres", operation, error);
      }
    })();
    this.inflight.add(done);
    const forget = () => this.inflight.delete(done);
    void done.then(forget, forget);
    return done;
  }

  /** Throws StoreClosedError after close (for iterators). */
  ensureOpen(operation: string): void {
    if (this.closing !== undefined) throw new StoreClosedError("postgres", operation);
  }

  /** Creates the tables once per connection; a failed attempt is retried by the next call. */
  migrate(): Promise<void> {
    this.migrated ??= runMigration(this.pool, this.tables).catch((error: unknown) => {
      this.migrated = undefined;
      throw error;
    });
    return this.migrated;
  }

  /** Waits for calls in flight, then ends the pool if this connection created it. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.inflight]);
      if (this.ownsPool) await this.pool.end();
    })();
    return this.closing;
  }
}

/** A pool for the options' connection string, with a listener that keeps dropped idle connections from crashing the process. */
export function createPool(options: ResolvedPostgresOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections,
    connectionTimeoutMillis: options.connectTimeoutMs,
    query_timeout: options.queryTimeoutMs,
  });
  // An idle connection that the server drops (restart, failover) emits "error" on the pool; without a listener that
  // would crash the process. The pool discards that connection and the next query opens a new one.
  pool.on("error", () => undefined);
  return pool;
}
