import type { Clock } from "@tsakt/actor";
import { InvalidOptionError } from "@tsakt/actor";
import { systemClock } from "@tsakt/actor/internal";
import { isFunction, optional, optionsObject, positiveInteger, positiveMs } from "./options.js";
import type { Pull } from "./pull.js";
import { BatchStage } from "./stages/batch.js";
import { MapAsyncStage } from "./stages/map-async.js";
import { FilterStage, MapStage, TakeStage } from "./stages/simple.js";
import { ThrottleStage } from "./stages/throttle.js";

/** One step of a stream: wraps the pull of the stage before it. */
export type Transform<I, O> = (up: Pull<I>) => Pull<O>;

/** Options of batch(size, options). */
export interface BatchOptions {
  /** Emit a partial batch once this long passed since its first element. Default: none (wait for `size` or the end). */
  withinMs?: number;
  /** Where the time comes from. Default: the real clock. */
  clock?: Clock;
}

/** Options of throttle(elements, perMs, options). */
export interface ThrottleOptions {
  /** Most elements let through at once after a pause. Default: `elements`. */
  burst?: number;
  /** Where the time comes from. Default: the real clock. */
  clock?: Clock;
}

function clockOption(value: unknown): Clock {
  if (value === undefined) return systemClock;
  const c = value as Partial<Clock> | null;
  if (typeof c?.now !== "function" || typeof c.setTimeout !== "function" || typeof c.clearTimeout !== "function")
    throw new InvalidOptionError("clock", "must be a Clock { now, setTimeout, clearTimeout }");
  return value as Clock;
}

/** The transform of map(fn). */
export function mapOf<I, O>(fn: (element: I) => O | Promise<O>): Transform<I, O> {
  isFunction("fn", fn);
  return (up) => new MapStage(up, fn);
}

/** The transform of filter(predicate). */
export function filterOf<T>(predicate: (element: T) => boolean | Promise<boolean>): Transform<T, T> {
  isFunction("predicate", predicate);
  return (up) => new FilterStage(up, predicate);
}

/** The transform of take(count). */
export function takeOf<T>(count: number): Transform<T, T> {
  positiveInteger("count", count);
  return (up) => new TakeStage(up, count);
}

/** The transform of mapAsync(parallelism, fn). */
export function mapAsyncOf<I, O>(parallelism: number, fn: (element: I) => O | Promise<O>): Transform<I, O> {
  positiveInteger("parallelism", parallelism);
  isFunction("fn", fn);
  return (up) => new MapAsyncStage(up, parallelism, fn);
}

/** The transform of batch(size, options). */
export function batchOf<T>(size: number, options?: BatchOptions): Transform<T, T[]> {
  positiveInteger("size", size);
  const o = optionsObject(options, "{ withinMs?, clock? }");
  const withinMs = optional<number | undefined>("withinMs", o.withinMs, positiveMs, undefined);
  const clock = clockOption(o.clock);
  return (up) => new BatchStage(up, size, withinMs, clock);
}

/** The transform of throttle(elements, perMs, options). */
export function throttleOf<T>(elements: number, perMs: number, options?: ThrottleOptions): Transform<T, T> {
  positiveInteger("elements", elements);
  positiveMs("perMs", perMs);
  const o = optionsObject(options, "{ burst?, clock? }");
  const burst = optional("burst", o.burst, positiveInteger, elements);
  const clock = clockOption(o.clock);
  return (up) => new ThrottleStage(up, elements, perMs, burst, clock);
}
