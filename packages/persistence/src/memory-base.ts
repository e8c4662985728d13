import { InvalidOptionError } from "@tsakt/actor";
import { StoreClosedError } from "./errors.js";
import { MemoryStorage } from "./memory-storage.js";

/** Options shared by the in-memory stores. */
export interface MemoryStoreOptions {
  /** The data to work on; share one between stores to let them see each other's writes. Default: a new MemoryStorage. */
  storage?: MemoryStorage;
}

/** Open/closed bookkeeping shared by the in-memory stores. */
export abstract class MemoryStoreBase implements AsyncDisposable {
  /** Backend id. */
  readonly id = "memory";
  protected readonly storage: MemoryStorage;
  private closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    if (typeof options !== "object" || options === null) throw new InvalidOptionError("options", "must be an object");
    const storage = options.storage ?? new MemoryStorage();
    if (!(storage instanceof MemoryStorage)) throw new InvalidOptionError("storage", "must be a MemoryStorage");
    this.storage = storage;
  }

  /** Marks the store closed; its data stays in the MemoryStorage. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
  }

  /** Same as close(). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  protected ensureOpen(operation: string): void {
    if (this.closed) throw new StoreClosedError(this.id, operation);
  }
}
