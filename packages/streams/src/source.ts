import { Readable, type ReadableOptions } from "node:stream";
import { InvalidOptionError } from "@tsakt/actor";
import type { Flow } from "./flow.js";
import {
  type BatchOptions,
  batchOf,
  filterOf,
  mapAsyncOf,
  mapOf,
  type ThrottleOptions,
  type Transform,
  takeOf,
  throttleOf,
} from "./ops.js";
import { DONE, type Pull } from "./pull.js";
import type { RunOptions, Sink } from "./sink.js";

/** Pulls a synchronous iterator; return() is passed on. */
function syncPull<T>(iterator: Iterator<T>): Pull<T> {
  return {
    next: async () => iterator.next(),
    return: async () => {
      iterator.return?.();
      return DONE;
    },
  };
}

/**
 * A blueprint of a stream that emits elements of type T: nothing runs until runWith (or iteration); each run opens the
 * source again (except one-shot sources: actor, writable and remote sources). Demand flows upstream: a stage pulls
 * the next element only when the one after it asks, so a slow sink slows the source.
 */
export class Source<T> implements AsyncIterable<T> {
  /** @internal Use the static constructors. */
  constructor(private readonly open: () => Pull<T>) {}

  /** Emits the elements of an iterable or an async iterable (a Node Readable too), in order. */
  static from<T>(items: Iterable<T> | AsyncIterable<T>): Source<T> {
    if (items !== null && typeof items === "object" && Symbol.asyncIterator in items)
      return new Source(() => items[Symbol.asyncIterator]());
    if (items !== null && typeof items === "object" && Symbol.iterator in items)
      return new Source(() => syncPull(items[Symbol.iterator]()));
    if (typeof items === "string") return new Source(() => syncPull((items as Iterable<T>)[Symbol.iterator]()));
    throw new InvalidOptionError("items", "must be an iterable or an async iterable (an array, a generator, a Node Readable)");
  }

  /** Emits what `factory()` returns, called again for each run (a fresh generator each time). */
  static lazy<T>(factory: () => Iterable<T> | AsyncIterable<T>): Source<T> {
    if (typeof factory !== "function") throw new InvalidOptionError("factory", "must be a function returning an iterable");
    return new Source(() => Source.from(factory()).pull());
  }

  /** Emits the chunks of a Node Readable (objects in object mode, Buffers or strings otherwise). */
  static fromReadable<T = unknown>(readable: NodeJS.ReadableStream | Readable): Source<T> {
    if (readable === null || typeof readable !== "object" || !(Symbol.asyncIterator in readable))
      throw new InvalidOptionError("readable", "must be a Node Readable stream");
    return Source.from(readable as AsyncIterable<T>);
  }

  /** A source that completes at once. */
  static empty<T>(): Source<T> {
    return new Source<T>(() => syncPull([][Symbol.iterator]()));
  }

  /** A source that fails with `error` when pulled. */
  static failed<T>(error: unknown): Source<T> {
    return new Source<T>(() => ({ next: () => Promise.reject(error), return: async () => DONE }));
  }

  /** @internal Opens a run of this source. */
  pull(): Pull<T> {
    return this.open();
  }

  /** Iterates a run of this source with for await; breaking out cancels it. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.open() as AsyncIterator<T>;
  }

  /** This source through `flow`. */
  via<O>(flow: Flow<T, O>): Source<O> {
    return this.append((up) => flow.apply(up));
  }

  /** Each element through `fn`, one at a time. */
  map<O>(fn: (element: T) => O | Promise<O>): Source<O> {
    return this.append(mapOf(fn));
  }

  /** Only the elements for which `predicate` holds. */
  filter(predicate: (element: T) => boolean | Promise<boolean>): Source<T> {
    return this.append(filterOf(predicate));
  }

  /** `fn` on up to `parallelism` elements at once; results in upstream order. */
  mapAsync<O>(parallelism: number, fn: (element: T) => O | Promise<O>): Source<O> {
    return this.append(mapAsyncOf(parallelism, fn));
  }

  /** Arrays of up to `size` elements; a partial one after options.withinMs (default: wait for size or the end). */
  batch(size: number, options?: BatchOptions): Source<T[]> {
    return this.append(batchOf(size, options));
  }

  /** At most `elements` per `perMs` (bursts up to options.burst, default `elements`). */
  throttle(elements: number, perMs: number, options?: ThrottleOptions): Source<T> {
    return this.append(throttleOf(elements, perMs, options));
  }

  /** The first `count` elements, then cancels upstream. */
  take(count: number): Source<T> {
    return this.append(takeOf(count));
  }

  /** Runs the stream into `sink`; resolves with the sink's result. options.signal cancels it (StreamCancelledError). */
  runWith<R>(sink: Sink<T, R>, options?: RunOptions): Promise<R> {
    return sink.run(this, options);
  }

  /** A Node Readable (object mode) that pulls this source as it is read; destroying it cancels the source. Default highWaterMark: 16. */
  toReadable(options?: Pick<ReadableOptions, "highWaterMark">): Readable {
    const highWaterMark = options?.highWaterMark ?? 16;
    if (!Number.isSafeInteger(highWaterMark) || highWaterMark <= 0)
      throw new InvalidOptionError("highWaterMark", "must be a positive integer");
    return Readable.from(this, { objectMode: true, highWaterMark });
  }

  private append<O>(next: Transform<T, O>): Source<O> {
    const open = this.open;
    return new Source<O>(() => next(open()));
  }
}
