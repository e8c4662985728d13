import { CausalContext } from "./causal-context.js";
import { type DotEntry, mergeEntries, sameEntries } from "./dot-store.js";
import { checkScalar, compareScalars, ownScalar, type Scalar, sameScalar } from "./scalar.js";
import type { DeltaReplicatedData } from "./types.js";
import { checkNode } from "./validate.js";

/**
 * A multi-value register: a write replaces every value its replica has seen; writes that did not see each other
 * (concurrent writes) all survive, and `value` lists them until a later write replaces them. No clocks are involved:
 * conflicts are shown, not resolved. Each write is tagged with a dot (node, counter), and the register keeps the
 * causal context of every write it has seen, so a merge can tell a replaced write from one it has not seen yet.
 */
export class MVRegister<V extends Scalar = Scalar> implements DeltaReplicatedData<MVRegister<V>> {
  private static readonly nothing = new MVRegister<never>([], CausalContext.empty(), undefined);
  /** Always "MVRegister". */
  readonly type = "MVRegister" as const;
  private values: readonly V[] | undefined;

  /** @internal Use `MVRegister.empty()`. */
  constructor(
    /** @internal The surviving writes. */
    readonly writes: readonly DotEntry<V>[],
    /** @internal Every write seen. */
    readonly context: CausalContext,
    private readonly pending: MVRegister<V> | undefined,
  ) {}

  /** The register with no value. */
  static empty<V extends Scalar = Scalar>(): MVRegister<V> {
    return MVRegister.nothing as MVRegister<V>;
  }

  /** The concurrent values, sorted (see `compareScalars`) and without duplicates; empty before the first write. */
  get value(): readonly V[] {
    if (this.values === undefined) {
      const sorted = this.writes.map((w) => w.value).sort(compareScalars);
      this.values = sorted.filter((v, i) => i === 0 || !sameScalar(v, sorted[i - 1] as V));
    }
    return this.values;
  }

  /** Writes `value` as `node`, replacing every value this replica has seen. */
  set(node: string, value: V): MVRegister<V> {
    checkNode(node);
    checkScalar(value);
    const write: DotEntry<V> = {
      node,
      counter: this.context.max(node) + 1,
      value: ownScalar(value),
    };
    const op = new MVRegister([write], CausalContext.of([write, ...this.writes]), undefined);
    return new MVRegister([write], this.context.with([write]), this.pending?.merge(op) ?? op);
  }

  /** Removes every value this replica has seen (a concurrent write elsewhere survives). */
  clear(): MVRegister<V> {
    if (this.writes.length === 0) return this;
    const op = new MVRegister<V>([], CausalContext.of(this.writes), undefined);
    return new MVRegister([], this.context, this.pending?.merge(op) ?? op);
  }

  /** Keeps the writes that neither side has replaced. */
  merge(other: MVRegister<V>): MVRegister<V> {
    if (other === this) return this;
    const writes = mergeEntries(this.writes, this.context, other.writes, other.context);
    const context = this.context.union(other.context);
    return writes === this.writes && context === this.context ? this : new MVRegister(writes, context, this.pending);
  }

  /** Merges a delta from another replica. */
  mergeDelta(delta: MVRegister<V>): MVRegister<V> {
    return this.merge(delta);
  }

  /** The writes and removals since the last `resetDelta()`. */
  get delta(): MVRegister<V> | undefined {
    return this.pending;
  }

  /** This register without its pending delta. */
  resetDelta(): MVRegister<V> {
    return this.pending === undefined ? this : new MVRegister(this.writes, this.context, undefined);
  }

  /** True when both hold the same writes and have seen the same writes. */
  equals(other: MVRegister<V>): boolean {
    return other === this || (this.context.equals(other.context) && sameEntries(this.writes, other.writes, sameScalar));
  }

  /** For logs: `MVRegister(["a","b"])`. */
  toString(): string {
    return `MVRegister(${this.value.length} value${this.value.length === 1 ? "" : "s"})`;
  }
}
