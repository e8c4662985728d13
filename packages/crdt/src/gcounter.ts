import { CrdtArgumentError } from "./errors.js";
import type { DeltaReplicatedData } from "./types.js";
import { checkNode, MAX_COUNT, toAmount } from "./validate.js";

/**
 * A grow-only counter: each replica counts its own increments, the value is their sum and a merge keeps each
 * replica's highest count. Counts are bigints (a replica's count fits in 64 bits; the sum is unbounded).
 */
export class GCounter implements DeltaReplicatedData<GCounter> {
  private static readonly zero = new GCounter(new Map(), undefined);
  /** Always "GCounter". */
  readonly type = "GCounter" as const;
  private sum: bigint | undefined;

  /** @internal Use `GCounter.empty()` or `GCounter.fromEntries()`. */
  constructor(
    private readonly counts: ReadonlyMap<string, bigint>,
    private readonly pending: GCounter | undefined,
  ) {}

  /** The counter at 0. */
  static empty(): GCounter {
    return GCounter.zero;
  }

  /** A counter holding these per-replica counts (zeros are left out; a node listed twice keeps the higher count). */
  static fromEntries(entries: Iterable<readonly [string, bigint]>): GCounter {
    const counts = new Map<string, bigint>();
    for (const [node, count] of entries) {
      checkNode(node);
      if (typeof count !== "bigint" || count < 0n || count > MAX_COUNT)
        throw new CrdtArgumentError("count", `expected a bigint in 0..2^64-1 for node ${JSON.stringify(node)}, got ${String(count)}`);
      // A node listed twice keeps its higher count, as a merge would.
      if (count > (counts.get(node) ?? 0n)) counts.set(node, count);
    }
    return counts.size === 0 ? GCounter.zero : new GCounter(counts, undefined);
  }

  /** The sum of every replica's count. */
  get value(): bigint {
    if (this.sum === undefined) {
      let sum = 0n;
      for (const c of this.counts.values()) sum += c;
      this.sum = sum;
    }
    return this.sum;
  }

  /** Each replica's count (node id → count); replicas that never incremented are absent. */
  entries(): ReadonlyMap<string, bigint> {
    return this.counts;
  }

  /** The count of one replica (0 when it never incremented). */
  countOf(node: string): bigint {
    return this.counts.get(node) ?? 0n;
  }

  /** Adds `amount` (a non-negative safe integer or bigint; default 1) to `node`'s count. */
  increment(node: string, amount: number | bigint = 1): GCounter {
    checkNode(node);
    const n = toAmount(amount);
    if (n === 0n) return this;
    const next = (this.counts.get(node) ?? 0n) + n;
    if (next > MAX_COUNT)
      throw new CrdtArgumentError("amount", `node ${JSON.stringify(node)}'s count would exceed 2^64-1; use another counter or node id`);
    const counts = new Map(this.counts).set(node, next);
    const delta = new Map(this.pending?.counts ?? []).set(node, next);
    return new GCounter(counts, new GCounter(delta, undefined));
  }

  /** Keeps each replica's higher count. */
  merge(other: GCounter): GCounter {
    if (other === this || other.counts.size === 0) return this;
    let counts: Map<string, bigint> | undefined;
    for (const [node, count] of other.counts) {
      if (count <= (this.counts.get(node) ?? 0n)) continue;
      counts ??= new Map(this.counts);
      counts.set(node, count);
    }
    return counts === undefined ? this : new GCounter(counts, this.pending);
  }

  /** Merges a delta from another replica. */
  mergeDelta(delta: GCounter): GCounter {
    return this.merge(delta);
  }

  /** The counts changed since the last `resetDelta()`. */
  get delta(): GCounter | undefined {
    return this.pending;
  }

  /** This counter without its pending delta. */
  resetDelta(): GCounter {
    return this.pending === undefined ? this : new GCounter(this.counts, undefined);
  }

  /** True when every replica's count is the same. */
  equals(other: GCounter): boolean {
    if (other === this) return true;
    if (other.counts.size !== this.counts.size) return false;
    for (const [node, count] of this.counts) if (other.counts.get(node) !== count) return false;
    return true;
  }

  /** For logs: `GCounter(7)`. */
  toString(): string {
    return `GCounter(${this.value})`;
  }
}
