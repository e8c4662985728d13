/** The type tag of a replicated value, as carried in its wire form. */
export type ReplicatedDataType = "GCounter" | "PNCounter" | "LWWRegister" | "ORSet" | "ORMap" | "Flag" | "MVRegister";

/**
 * A state-based CRDT: an immutable value whose `merge` is commutative, associative and idempotent, so replicas that
 * exchange values in any order, any number of times, end up equal.
 */
export interface ReplicatedData<T extends ReplicatedData<T>> {
  /** The type tag, the same for every value of the class. */
  readonly type: ReplicatedDataType;
  /** The least value that contains both this one and `other`; neither is changed. Keeps this value's pending delta. */
  merge(other: T): T;
  /** True when both hold the same state (pending deltas are not compared). */
  equals(other: T): boolean;
}

/**
 * A CRDT whose updates also produce a delta: a small value of the same type holding only what they changed, which
 * a replica can ship instead of the whole state. Deltas are themselves mergeable values, so they may arrive in any
 * order, more than once, and be merged into any state: merging every delta of a value into a replica gives the same
 * state as merging the value itself.
 */
export interface DeltaReplicatedData<T extends DeltaReplicatedData<T>> extends ReplicatedData<T> {
  /** The merge of the deltas of every update since the last `resetDelta()`, or undefined when there was none. */
  readonly delta: T | undefined;
  /** Merges a delta received from another replica (the same as `merge`, named for the intent). */
  mergeDelta(delta: T): T;
  /** This state without its pending delta: what a replica keeps after it has shipped the delta. */
  resetDelta(): T;
}
