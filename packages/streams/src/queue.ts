import { AlreadyMaterializedError } from "./errors.js";
import { DONE, type Pull } from "./pull.js";
import { Source } from "./source.js";

interface Taker<T> {
  resolve(result: IteratorResult<T, unknown>): void;
  reject(error: unknown): void;
}

/**
 * A bounded queue between something that pushes (an actor, a Node Writable, a remote stream's receiver) and a stream
 * that pulls. One reader; its iterator's return() cancels: pushes are refused and `onCancel` runs.
 */
export class ElementQueue<T> {
  private readonly items: T[] = [];
  private taker: Taker<T> | undefined = undefined;
  private readonly spaceWaiters: Array<() => void> = [];
  private ended = false;
  private failure: { error: unknown } | undefined = undefined;
  private cancelled = false;

  constructor(
    /** Most elements held. */
    readonly capacity: number,
    private readonly hooks: { onCancel?(): void; onTake?(): void } = {},
  ) {}

  /** Elements held now. */
  get size(): number {
    return this.items.length;
  }

  /** True once the reader cancelled, or after complete() or fail(). */
  get closed(): boolean {
    return this.cancelled || this.ended || this.failure !== undefined;
  }

  /** True after the reader cancelled. */
  get isCancelled(): boolean {
    return this.cancelled;
  }

  /** Adds `element` if there is room now (handing it straight to a waiting reader): true, else false. */
  offer(element: T): boolean {
    if (this.closed) return false;
    const taker = this.taker;
    if (taker !== undefined) {
      this.taker = undefined;
      this.hooks.onTake?.();
      taker.resolve({ done: false, value: element });
      return true;
    }
    if (this.items.length >= this.capacity) return false;
    this.items.push(element);
    return true;
  }

  /** Adds `element`, waiting for room; false when the queue closed first. */
  async push(element: T): Promise<boolean> {
    while (!this.closed && this.items.length >= this.capacity && this.taker === undefined)
      await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
    return this.offer(element);
  }

  /** Ends the stream after the held elements. */
  complete(): void {
    if (this.closed) return;
    this.ended = true;
    this.settleReader();
  }

  /** Fails the stream after the held elements. */
  fail(error: unknown): void {
    if (this.closed) return;
    this.failure = { error };
    this.settleReader();
  }

  /** The reading end. */
  reader(): Pull<T> {
    return {
      next: () => this.take(),
      return: async () => {
        this.cancel();
        return DONE;
      },
    };
  }

  private take(): Promise<IteratorResult<T, unknown>> {
    if (this.items.length > 0) {
      const value = this.items.shift() as T;
      this.hooks.onTake?.();
      this.spaceWaiters.shift()?.();
      return Promise.resolve({ done: false, value });
    }
    if (this.failure !== undefined && !this.cancelled) return Promise.reject(this.failure.error);
    if (this.closed) return Promise.resolve(DONE);
    this.spaceWaiters.shift()?.();
    return new Promise((resolve, reject) => {
      this.taker = { resolve, reject };
    });
  }

  private cancel(): void {
    if (this.cancelled) return;
    const wasClosed = this.closed;
    this.cancelled = true;
    this.items.length = 0;
    this.settleReader();
    if (!wasClosed) this.hooks.onCancel?.();
  }

  private settleReader(): void {
    for (const wake of this.spaceWaiters.splice(0)) wake();
    const taker = this.taker;
    if (taker === undefined || this.items.length > 0) return;
    this.taker = undefined;
    if (this.failure !== undefined && !this.cancelled) taker.reject(this.failure.error);
    else taker.resolve(DONE);
  }
}

/** A source that reads `queue` once; a second run throws AlreadyMaterializedError naming `what`. */
export function oneShot<T>(queue: ElementQueue<T>, what: string): Source<T> {
  let opened = false;
  return new Source<T>(() => {
    if (opened) throw new AlreadyMaterializedError(what);
    opened = true;
    return queue.reader();
  });
}
