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
import type { Pull } from "./pull.js";

/** A reusable chain of stages from elements of type I to elements of type O; attach it with source.via(flow). */
export class Flow<I, O> {
  private constructor(private readonly transform: Transform<I, O>) {}

  /** An empty flow (passes elements through) to build on: Flow.create<number>().map(…).filter(…). */
  static create<T>(): Flow<T, T> {
    return new Flow<T, T>((up) => up);
  }

  /** A flow from a function over the upstream pull (an async iterator whose return() cancels upstream). */
  static fromTransform<I, O>(transform: (up: AsyncIterator<I, unknown, undefined>) => AsyncIterator<O, unknown, undefined>): Flow<I, O> {
    return new Flow(transform);
  }

  /** @internal Applies the flow to an upstream pull. */
  apply(up: Pull<I>): Pull<O> {
    return this.transform(up);
  }

  /** This flow, then `next`. */
  via<N>(next: Flow<O, N>): Flow<I, N> {
    return this.append((up) => next.apply(up));
  }

  /** Each element through `fn`, one at a time. */
  map<N>(fn: (element: O) => N | Promise<N>): Flow<I, N> {
    return this.append(mapOf(fn));
  }

  /** Only the elements for which `predicate` holds. */
  filter(predicate: (element: O) => boolean | Promise<boolean>): Flow<I, O> {
    return this.append(filterOf(predicate));
  }

  /** `fn` on up to `parallelism` elements at once; results in upstream order. */
  mapAsync<N>(parallelism: number, fn: (element: O) => N | Promise<N>): Flow<I, N> {
    return this.append(mapAsyncOf(parallelism, fn));
  }

  /** Arrays of up to `size` elements; a partial one after options.withinMs (default: wait for size or the end). */
  batch(size: number, options?: BatchOptions): Flow<I, O[]> {
    return this.append(batchOf(size, options));
  }

  /** At most `elements` per `perMs` (bursts up to options.burst, default `elements`). */
  throttle(elements: number, perMs: number, options?: ThrottleOptions): Flow<I, O> {
    return this.append(throttleOf(elements, perMs, options));
  }

  /** The first `count` elements, then cancels upstream. */
  take(count: number): Flow<I, O> {
    return this.append(takeOf(count));
  }

  private append<N>(next: Transform<O, N>): Flow<I, N> {
    const transform = this.transform;
    return new Flow<I, N>((up) => next(transform(up)));
  }
}
