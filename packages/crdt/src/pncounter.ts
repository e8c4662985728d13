import { GCounter } from "./gcounter.js";
import type { DeltaReplicatedData } from "./types.js";
import { checkNode, toAmount } from "./validate.js";

/** A counter that goes up and down: two grow-only counters, the value is increments minus decrements. */
export class PNCounter implements DeltaReplicatedData<PNCounter> {
  private static readonly zero = new PNCounter(GCounter.empty(), GCounter.empty());
  /** Always "PNCounter". */
  readonly type = "PNCounter" as const;

  /** @internal Use `PNCounter.empty()` or `PNCounter.of()`. */
  constructor(
    /** Every replica's increments. */
    readonly increments: GCounter,
    /** Every replica's decrements. */
    readonly decrements: GCounter,
  ) {}

  /** The counter at 0. */
  static empty(): PNCounter {
    return PNCounter.zero;
  }

  /** A counter from its two halves (their pending deltas are dropped). */
  static of(increments: GCounter, decrements: GCounter): PNCounter {
    return new PNCounter(increments.resetDelta(), decrements.resetDelta());
  }

  /** Increments minus decrements; may be negative. */
  get value(): bigint {
    return this.increments.value - this.decrements.value;
  }

  /** Adds `amount` for `node` (default 1); a negative amount decrements. Safe integers or bigints. */
  increment(node: string, amount: number | bigint = 1): PNCounter {
    if (typeof amount === "number" ? amount < 0 : typeof amount === "bigint" && amount < 0n) return this.decrement(node, -amount);
    checkNode(node);
    const n = toAmount(amount);
    return n === 0n ? this : new PNCounter(this.increments.increment(node, n), this.decrements);
  }

  /** Subtracts `amount` (a non-negative safe integer or bigint; default 1) for `node`. */
  decrement(node: string, amount: number | bigint = 1): PNCounter {
    checkNode(node);
    const n = toAmount(amount);
    return n === 0n ? this : new PNCounter(this.increments, this.decrements.increment(node, n));
  }

  /** Merges both halves. */
  merge(other: PNCounter): PNCounter {
    if (other === this) return this;
    const increments = this.increments.merge(other.increments);
    const decrements = this.decrements.merge(other.decrements);
    return increments === this.increments && decrements === this.decrements ? this : new PNCounter(increments, decrements);
  }

  /** Merges a delta from another replica. */
  mergeDelta(delta: PNCounter): PNCounter {
    return this.merge(delta);
  }

  /** The counts changed since the last `resetDelta()`. */
  get delta(): PNCounter | undefined {
    const up = this.increments.delta;
    const down = this.decrements.delta;
    if (up === undefined && down === undefined) return undefined;
    return new PNCounter(up ?? GCounter.empty(), down ?? GCounter.empty());
  }

  /** This counter without its pending delta. */
  resetDelta(): PNCounter {
    const up = this.increments.resetDelta();
    const down = this.decrements.resetDelta();
    return up === this.increments && down === this.decrements ? this : new PNCounter(up, down);
  }

  /** True when both halves are equal. */
  equals(other: PNCounter): boolean {
    return other === this || (this.increments.equals(other.increments) && this.decrements.equals(other.decrements));
  }

  /** For logs: `PNCounter(-3)`. */
  toString(): string {
    return `PNCounter(${this.value})`;
  }
}
