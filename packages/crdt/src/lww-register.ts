import { CrdtArgumentError } from "./errors.js";
import { checkScalar, compareScalars, ownScalar, type Scalar, sameScalar, type WidenScalar } from "./scalar.js";
import type { ReplicatedData } from "./types.js";
import { checkNode, compareStrings } from "./validate.js";

/**
 * Gives the timestamp of a write from the register's current timestamp (0 for a new register). It must return a
 * safe integer, and one greater than `current` for the write to win over the value it replaces.
 */
export type LwwClock = (current: number) => number;

/** The default clock: wall-clock milliseconds, but always at least one more than the current timestamp. */
export const defaultLwwClock: LwwClock = (current) => Math.max(Date.now(), current + 1);

/**
 * A clock that makes the first write win: timestamps count down from minus the wall clock, so an earlier write has
 * the higher timestamp.
 */
export const reverseLwwClock: LwwClock = (current) => Math.min(-Date.now(), current - 1);

/**
 * A last-writer-wins register. A merge keeps the write with the higher timestamp; equal timestamps go to the greater
 * node id (compared by UTF-16 code units), and a write by one node with one timestamp twice (a clock that did not
 * advance) to the greater value, so every replica picks the same winner. Writes on nodes whose clocks are skewed
 * follow the clocks, not real time: a node whose clock is ahead wins until the others catch up. Its full state is
 * one write, so it ships whole and has no delta.
 */
export class LWWRegister<V extends Scalar = Scalar> implements ReplicatedData<LWWRegister<V>> {
  /** Always "LWWRegister". */
  readonly type = "LWWRegister" as const;

  /** @internal Use `LWWRegister.create()`. */
  constructor(
    /** The winning write's value. */
    readonly value: V,
    /** The winning write's timestamp. */
    readonly timestamp: number,
    /** The node that made the winning write. */
    readonly node: string,
  ) {}

  /** A register holding `value`, written by `node` at `clock(0)`. Default clock: `defaultLwwClock`. */
  static create<V extends Scalar>(node: string, value: V, clock: LwwClock = defaultLwwClock): LWWRegister<WidenScalar<V>> {
    return LWWRegister.write(node, value, stamp(clock, 0));
  }

  /** A register holding one write with an explicit timestamp (a safe integer). */
  static write<V extends Scalar>(node: string, value: V, timestamp: number): LWWRegister<WidenScalar<V>> {
    checkNode(node);
    checkScalar(value);
    if (!Number.isSafeInteger(timestamp)) throw new CrdtArgumentError("timestamp", `expected a safe integer, got ${timestamp}`);
    return new LWWRegister(ownScalar<Scalar>(value) as WidenScalar<V>, timestamp, node);
  }

  /** Writes `value` as `node`, stamped `clock(this.timestamp)`. Default clock: `defaultLwwClock`. */
  set(node: string, value: V, clock: LwwClock = defaultLwwClock): LWWRegister<V> {
    checkNode(node);
    checkScalar(value);
    return new LWWRegister(ownScalar(value), stamp(clock, this.timestamp), node);
  }

  /** Keeps the winning write (see the class comment). */
  merge(other: LWWRegister<V>): LWWRegister<V> {
    return other === this || compareWrites(this, other) >= 0 ? this : other;
  }

  /** True when both hold the same write. */
  equals(other: LWWRegister<V>): boolean {
    return other === this || (other.timestamp === this.timestamp && other.node === this.node && sameScalar(other.value, this.value));
  }

  /** For logs: `LWWRegister("x" @1700000000000 by n1)`. */
  toString(): string {
    const shown =
      typeof this.value === "bigint"
        ? `${this.value}n`
        : this.value instanceof Uint8Array
          ? `<${this.value.length} bytes>`
          : JSON.stringify(this.value);
    return `LWWRegister(${shown} @${this.timestamp} by ${this.node})`;
  }
}

function stamp(clock: LwwClock, current: number): number {
  const t = clock(current);
  if (!Number.isSafeInteger(t)) throw new CrdtArgumentError("clock", `the clock returned ${String(t)}; it must return a safe integer`);
  return t;
}

/** Orders writes by timestamp, then node id, then value: the greater one wins a merge. */
function compareWrites(a: LWWRegister, b: LWWRegister): number {
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp ? -1 : 1;
  return compareStrings(a.node, b.node) || compareScalars(a.value, b.value);
}
