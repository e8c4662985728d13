import { CausalContext, type Dot } from "./causal-context.js";
import { type Crdt, mergeCrdt, withoutDelta } from "./crdt.js";
import { type DotEntry, type DotStore, mergeStores, sameStores } from "./dot-store.js";
import { CrdtArgumentError, CrdtTypeMismatchError } from "./errors.js";
import type { DeltaReplicatedData } from "./types.js";
import { checkKey, checkNode, describe } from "./validate.js";

const CRDT_TYPES = new Set(["GCounter", "PNCounter", "LWWRegister", "ORSet", "ORMap", "Flag", "MVRegister"]);

function sameValue(a: Crdt, b: Crdt): boolean {
  return a.type === b.type && (a.equals as (other: Crdt) => boolean)(b);
}

/**
 * An observed-remove map from string keys to replicated values (any type of this package, maps included).
 *
 * Every write of a key (`put`, `update`) is tagged with a fresh dot and carries the key's whole new value; it
 * replaces every write of that key its replica has seen. Writes that did not see each other both survive and the
 * key's value is their merge, so concurrent updates of a nested counter add up. A remove deletes the writes its
 * replica has seen: a concurrent write survives it (add wins), with the value it wrote, which includes whatever its
 * replica had seen of the key before. A key removed everywhere leaves nothing behind but its dots in the context.
 *
 * A write's delta carries the key's whole nested value, so keep nested values small (counters, registers, flags,
 * small sets) and put large sets under keys of their own.
 */
export class ORMap<V extends Crdt = Crdt> implements DeltaReplicatedData<ORMap<V>> {
  private static readonly nothing = new ORMap<never>(new Map(), CausalContext.empty(), undefined);
  /** Always "ORMap". */
  readonly type = "ORMap" as const;
  private readonly resolved = new Map<string, V>();

  /** @internal Use `ORMap.empty()`. */
  constructor(
    /** @internal Key → the writes that hold its value. */
    readonly store: DotStore<V>,
    /** @internal Every write seen. */
    readonly context: CausalContext,
    private readonly pending: ORMap<V> | undefined,
  ) {}

  /** The empty map. */
  static empty<V extends Crdt = Crdt>(): ORMap<V> {
    return ORMap.nothing as ORMap<V>;
  }

  /** The value of `key` (the merge of its surviving writes), or undefined when absent. */
  get(key: string): V | undefined {
    let value = this.resolved.get(key);
    if (value !== undefined) return value;
    const writes = this.store.get(key);
    if (writes === undefined || writes.length === 0) return undefined;
    value = (writes[0] as DotEntry<V>).value;
    for (let i = 1; i < writes.length; i++) value = mergeCrdt(value, (writes[i] as DotEntry<V>).value, `ORMap key ${JSON.stringify(key)}`);
    this.resolved.set(key, value);
    return value;
  }

  /** True when `key` has a value. */
  has(key: string): boolean {
    return this.store.has(key);
  }

  /** The number of keys. */
  get size(): number {
    return this.store.size;
  }

  /** The keys, in no particular order. */
  keys(): IterableIterator<string> {
    return this.store.keys();
  }

  /** Key and value pairs, in no particular order. */
  *entries(): IterableIterator<[string, V]> {
    for (const key of this.store.keys()) yield [key, this.get(key) as V];
  }

  /** Every key with its value, as a new Map. */
  get value(): ReadonlyMap<string, V> {
    return new Map(this.entries());
  }

  /** Sets `key` to `value` as `node`, replacing every write of the key this replica has seen. */
  put(node: string, key: string, value: V): ORMap<V> {
    checkNode(node);
    checkKey(key, "key");
    checkCrdt(value);
    const write: DotEntry<V> = { node, counter: this.context.max(node) + 1, value: withoutDelta(value) };
    const seen = this.store.get(key) ?? [];
    const op = new ORMap<V>(new Map([[key, [write]]]), CausalContext.of([write, ...seen]), undefined);
    return new ORMap(new Map(this.store).set(key, [write]), this.context.with([write]), this.pending?.merge(op) ?? op);
  }

  /**
   * Updates `key` as `node`: `modify` gets the key's value (or `initial` when absent) and returns the new value of
   * the same type, for example `map.update(node, "hits", GCounter.empty(), (c) => c.increment(node))`.
   */
  update<T extends V>(node: string, key: string, initial: T, modify: (current: T) => T): ORMap<V> {
    checkKey(key, "key");
    const current = (this.get(key) as T | undefined) ?? initial;
    checkCrdt(current);
    const next = modify(current);
    checkCrdt(next);
    if (next.type !== current.type) throw new CrdtTypeMismatchError(current.type, next.type, `ORMap.update of key ${JSON.stringify(key)}`);
    return this.put(node, key, next);
  }

  /** Removes `key` as far as this replica has seen it; a concurrent write elsewhere wins. No-op when absent. */
  remove(key: string): ORMap<V> {
    checkKey(key, "key");
    const seen = this.store.get(key);
    if (seen === undefined) return this;
    const store = new Map(this.store);
    store.delete(key);
    return this.removed(store, seen);
  }

  /** Removes every key this replica has seen. */
  clear(): ORMap<V> {
    if (this.store.size === 0) return this;
    const seen: Dot[] = [];
    for (const writes of this.store.values()) seen.push(...writes);
    return this.removed(new Map(), seen);
  }

  private removed(store: DotStore<V>, seen: readonly Dot[]): ORMap<V> {
    const op = new ORMap<V>(new Map(), CausalContext.of(seen), undefined);
    return new ORMap(store, this.context, this.pending?.merge(op) ?? op);
  }

  /** The causal merge of the writes; throws CrdtTypeMismatchError when a key holds values of different types. */
  merge(other: ORMap<V>): ORMap<V> {
    if (other === this) return this;
    const store = mergeStores(this.store, this.context, other.store, other.context);
    for (const [key, writes] of store) checkOneType(key, writes);
    return new ORMap(store, this.context.union(other.context), this.pending);
  }

  /** Merges a delta from another replica. */
  mergeDelta(delta: ORMap<V>): ORMap<V> {
    return this.merge(delta);
  }

  /** The writes and removes since the last `resetDelta()`. */
  get delta(): ORMap<V> | undefined {
    return this.pending;
  }

  /** This map without its pending delta. */
  resetDelta(): ORMap<V> {
    return this.pending === undefined ? this : new ORMap(this.store, this.context, undefined);
  }

  /** True when both hold the same writes with equal values and have seen the same writes. */
  equals(other: ORMap<V>): boolean {
    return other === this || (this.context.equals(other.context) && sameStores<Crdt>(this.store, other.store, sameValue));
  }

  /** For logs: `ORMap(2 keys)`. */
  toString(): string {
    return `ORMap(${this.size} key${this.size === 1 ? "" : "s"})`;
  }
}

/** Throws unless `value` is a replicated value of this package (not the tombstone). */
function checkCrdt(value: unknown): asserts value is Crdt {
  const type = (value as { type?: unknown } | null)?.type;
  if (typeof type !== "string" || !CRDT_TYPES.has(type) || typeof (value as { merge?: unknown }).merge !== "function")
    throw new CrdtArgumentError(
      "value",
      `expected a replicated value (GCounter, PNCounter, LWWRegister, ORSet, ORMap, Flag, MVRegister), got ${describe(value)}`,
    );
}

/** Throws when the surviving writes of one key hold values of different types. */
export function checkOneType(key: string, writes: readonly DotEntry<Crdt>[]): void {
  const first = writes[0]?.value.type;
  for (let i = 1; i < writes.length; i++) {
    const type = (writes[i] as DotEntry<Crdt>).value.type;
    if (type !== first) throw new CrdtTypeMismatchError(first ?? type, type, `ORMap key ${JSON.stringify(key)}`);
  }
}
