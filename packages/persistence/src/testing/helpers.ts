import { randomBytes } from "node:crypto";
import { afterEach, expect } from "vitest";

/** What a backend's test file hands to a conformance suite. */
export interface StoreHarness<S> {
  /** Makes a new store on the backend under test; stores made by one harness must see each other's writes. */
  create(): S | Promise<S>;
  /** How many writers race in the concurrency tests (spread over two store instances). Default: 8. */
  concurrency?: number;
  /** Size of the large-payload test, in bytes. Default: 4 MiB. */
  largePayloadBytes?: number;
  /** Per-test timeout in ms. Default: 30000. */
  timeoutMs?: number;
}

/** Keeps every store a suite opens and closes them after each test, so a failed assertion leaks nothing. */
export function openedStores<S extends { close(): Promise<void> }>(harness: StoreHarness<S>): () => Promise<S> {
  const opened: S[] = [];
  afterEach(async () => {
    const stores = opened.splice(0);
    const results = await Promise.allSettled(stores.map((s) => s.close()));
    const failures = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
    if (failures.length > 0) throw new AggregateError(failures, `close() failed for ${failures.length} store(s)`);
  });
  return async () => {
    const store = await harness.create();
    opened.push(store);
    return store;
  };
}

/** A key unique to this run, so leftovers of another run or test never match. */
export function uniqueKey(label: string): string {
  return `conf/${label}/${randomBytes(6).toString("hex")}`;
}

/** UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** The text of UTF-8 `bytes`. */
export function text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

/** `size` bytes of a pattern derived from `seed`, so a mix-up between payloads shows. */
export function patterned(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Every item of an async iterable, in order. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** The error `run` rejects (or throws) with; fails the test when it resolves. */
export async function rejectionOf(run: () => Promise<unknown> | AsyncIterable<unknown>): Promise<unknown> {
  try {
    const result = run();
    if (result !== null && typeof result === "object" && Symbol.asyncIterator in result) await collect(result as AsyncIterable<unknown>);
    else await result;
  } catch (error) {
    return error;
  }
  throw new Error("expected the operation to reject, but it resolved");
}

/** Asserts that `error` is a TsAkt error with `code` and the class name `<code>Error`. */
export function expectCode(error: unknown, code: string): void {
  expect({ code: (error as { code?: unknown }).code, name: (error as Error).name }).toEqual({ code, name: `${code}Error` });
}

/** Asserts that exactly one of `results` fulfilled and every other rejected with ConcurrencyConflict; returns the winner's index. */
export function expectOneWinner(results: PromiseSettledResult<unknown>[]): number {
  const winners = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
  expect(winners, "exactly one concurrent writer must win").toHaveLength(1);
  for (const r of results) if (r.status === "rejected") expectCode(r.reason, "ConcurrencyConflict");
  return winners[0]!;
}

/** Byte-exact comparison that prints a short diff instead of megabytes. */
export function expectSameBytes(actual: Uint8Array | undefined, expected: Uint8Array, what: string): void {
  expect(actual, what).toBeInstanceOf(Uint8Array);
  expect(actual!.length, `${what}: length`).toBe(expected.length);
  const first = actual!.findIndex((b, i) => b !== expected[i]);
  expect(first, `${what}: first differing byte`).toBe(-1);
}
