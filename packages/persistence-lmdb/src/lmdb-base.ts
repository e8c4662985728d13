import { isTsaktError } from "@tsakt/actor";
import { StoreClosedError, StoreUnavailableError } from "@tsakt/persistence";
import { acquireEnvironment, type Environment, releaseEnvironment } from "./environment.js";
import { type LmdbStoreOptions, type ResolvedLmdbOptions, resolveOptions } from "./options.js";

/** Open/closed bookkeeping and error mapping shared by the LMDB stores. */
export abstract class LmdbStoreBase implements AsyncDisposable {
  /** Backend id. */
  readonly id = "lmdb";
  protected readonly env: Environment;
  protected readonly options: ResolvedLmdbOptions;
  private readonly inflight = new Set<Promise<unknown>>();
  private closing: Promise<void> | undefined;

  constructor(options: LmdbStoreOptions) {
    this.options = resolveOptions(options);
    try {
      this.env = acquireEnvironment(this.options);
    } catch (error) {
      if (isTsaktError(error)) throw error;
      throw new StoreUnavailableError(this.id, `open ${this.options.path}`, error);
    }
  }

  /** Waits for calls in flight, then releases the file (the last store on a path closes it). Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.inflight]);
      await releaseEnvironment(this.env);
    })();
    return this.closing;
  }

  /** Same as close(). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Runs one operation: rejects after close, maps LMDB failures to StoreUnavailableError, keeps TsAkt errors. */
  protected run<T>(operation: string, body: () => Promise<T> | T): Promise<T> {
    if (this.closing !== undefined) return Promise.reject(new StoreClosedError(this.id, operation));
    const done = (async () => {
      try {
        return await body();
      } catch (error) {
        if (isTsaktError(error)) throw error;
        throw new StoreUnavailableError(this.id, operation, error);
      }
    })();
    this.inflight.add(done);
    void done.then(
      () => this.inflight.delete(done),
      () => this.inflight.delete(done),
    );
    return done;
  }

  /** Throws StoreClosedError after close (for iterators, which cannot go through run). */
  protected ensureOpen(operation: string): void {
    if (this.closing !== undefined) throw new StoreClosedError(this.id, operation);
  }

  /** Makes the next read see commits of other processes at once rather than at the next event turn. */
  protected freshRead(): void {
    this.env.root.resetReadTxn();
  }
}
