import { Connection } from "./connection.js";
import { type PostgresStoreOptions, resolveOptions } from "./options.js";

/** What the PostgreSQL stores share: a connection and close/asyncDispose. */
export abstract class PostgresStoreBase implements AsyncDisposable {
  /** Backend id. */
  readonly id = "postgres";
  protected readonly connection: Connection;

  constructor(options: PostgresStoreOptions) {
    this.connection = new Connection(resolveOptions(options));
  }

  /** Creates the schema and tables now (otherwise the first call does, unless autoMigrate is false). */
  migrate(): Promise<void> {
    return this.connection.run("migrate", () => this.connection.migrate());
  }

  /** Waits for calls in flight and ends the store's own pool (a pool passed in stays open). Idempotent. */
  close(): Promise<void> {
    return this.connection.close();
  }

  /** Same as close(). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** A bigint column (a string from node-postgres) as a number. */
export function toNumber(value: unknown): number {
  return typeof value === "number" ? value : Number(value);
}
