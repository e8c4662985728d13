import { CausalContext, type Dot } from "./causal-context.js";
import { type DotEntry, type DotStore, mergeStores, sameStores } from "./dot-store.js";
import type { DeltaReplicatedData } from "./types.js";
import { checkKey, checkNode } from "./validate.js";

const same = () => true;

/**
 * An observed-remove set of strings with add-wins semantics. Each add is tagged with a fresh dot (node, counter);
 * a remove deletes the dots its replica has seen, so an add that the remove did not see (a concurrent add) keeps
 * the element. The set keeps the causal context of every add it has seen, which is how a merge tells a removed
 * element from one it has not received yet; there are no tombstones per element.
 */
export class ORSet implements DeltaReplicatedData<ORSet> {
  private static readonly nothing = new ORSet(new Map(), CausalContext.empty(), undefined);
  /** Always "ORSet". */
  readonly type = "ORSet" as const;
  private elementSet: ReadonlySet<string> | undefined;

  /** @internal Use `ORSet.empty()`. */
  constructor(
    /** @internal Element → the dots of the adds that keep it. */
    readonly store: DotStore<null>,
    /** @internal Every add seen. */
    readonly context: CausalContext,
    private readonly pending: ORSet | undefined,
  ) {}

  /** The empty set. */
  static empty(): ORSet {
    return ORSet.nothing;
  }

  /** The elements, as a set built once per value (values never change: updates return new ones). */
  get value(): ReadonlySet<string> {
    this.elementSet ??= new Set(this.store.keys());
    return this.elementSet;
  }

  /** The number of elements. */
  get size(): number {
    return this.store.size;
  }

  /** True when `element` is in the set. */
  has(element: string): boolean {
    return this.store.has(element);
  }

  /** The elements, in no particular order. */
  elements(): IterableIterator<string> {
    return this.store.keys();
  }

  /** Adds `element` as `node`; it replaces the element's earlier add dots with one new dot. */
  add(node: string, element: string): ORSet {
    checkNode(node);
    checkKey(element, "element");
    const dot: DotEntry<null> = { node, counter: this.context.max(node) + 1, value: null };
    const seen = this.store.get(element) ?? [];
    const op = new ORSet(new Map([[element, [dot]]]), CausalContext.of([dot, ...seen]), undefined);
    return new ORSet(new Map(this.store).set(element, [dot]), this.context.with([dot]), this.pending?.merge(op) ?? op);
  }

  /** Removes `element` as far as this replica has seen it; a concurrent add elsewhere wins. No-op when absent. */
  remove(element: string): ORSet {
    checkKey(element, "element");
    const seen = this.store.get(element);
    if (seen === undefined) return this;
    const store = new Map(this.store);
    store.delete(element);
    return this.removed(store, seen);
  }

  /** Removes every element this replica has seen. */
  clear(): ORSet {
    if (this.store.size === 0) return this;
    const seen: Dot[] = [];
    for (const dots of this.store.values()) seen.push(...dots);
    return this.removed(new Map(), seen);
  }

  private removed(store: DotStore<null>, seen: readonly Dot[]): ORSet {
    const op = new ORSet(new Map(), CausalContext.of(seen), undefined);
    return new ORSet(store, this.context, this.pending?.merge(op) ?? op);
  }

  /** The causal merge: adds neither side has removed survive. */
  merge(other: ORSet): ORSet {
    if (other === this) return this;
    const store = mergeStores(this.store, this.context, other.store, other.context);
    return new ORSet(store, this.context.union(other.context), this.pending);
  }

  /** Merges a delta from another replica. */
  mergeDelta(delta: ORSet): ORSet {
    return this.merge(delta);
  }

  /** The adds and removes since the last `resetDelta()`. */
  get delta(): ORSet | undefined {
    return this.pending;
  }

  /** This set without its pending delta. */
  resetDelta(): ORSet {
    return this.pending === undefined ? this : new ORSet(this.store, this.context, undefined);
  }

  /** True when both hold the same adds and have seen the same adds. */
  equals(other: ORSet): boolean {
    return other === this || (this.context.equals(other.context) && sameStores(this.store, other.store, same));
  }

  /** For logs: `ORSet(3 elements)`. */
  toString(): string {
    return `ORSet(${this.size} element${this.size === 1 ? "" : "s"})`;
  }
}
