import { Deleted } from "./deleted.js";
import { CrdtTypeMismatchError } from "./errors.js";
import type { Flag } from "./flag.js";
import type { GCounter } from "./gcounter.js";
import type { LWWRegister } from "./lww-register.js";
import type { MVRegister } from "./mv-register.js";
import type { ORMap } from "./ormap.js";
import type { ORSet } from "./orset.js";
import type { PNCounter } from "./pncounter.js";

/** Any replicated data type of this package. */
export type Crdt = GCounter | PNCounter | LWWRegister | ORSet | ORMap | Flag | MVRegister;

/** What a replicator holds under a key: a value, or the tombstone of a deleted key. */
export type Replicated = Crdt | Deleted;

/** The replicated types that produce deltas (all but LWWRegister and Flag, whose full state is as small as a delta). */
export type DeltaCrdt = GCounter | PNCounter | ORSet | ORMap | MVRegister;

/** True when `value` produces deltas (has `delta`, `mergeDelta` and `resetDelta`). */
export function isDeltaCrdt(value: Replicated): value is DeltaCrdt {
  return "resetDelta" in value;
}

/** `value` without its pending delta. */
export function withoutDelta<T extends Crdt>(value: T): T {
  return isDeltaCrdt(value) ? (value.resetDelta() as T) : value;
}

/**
 * Merges two values read from anywhere (a replica's store, the wire): the tombstone wins; otherwise both must have
 * the same type, or a CrdtTypeMismatchError says which types met. `where` names the key for the error.
 */
export function mergeReplicated(a: Replicated, b: Replicated, where = "a replicated value"): Replicated {
  if (a instanceof Deleted) return a;
  if (b instanceof Deleted) return b;
  return mergeCrdt(a, b, where);
}

/** Merges two values that must have the same type (see `mergeReplicated`). */
export function mergeCrdt<T extends Crdt>(a: T, b: Crdt, where = "a replicated value"): T {
  if (a.type !== b.type) throw new CrdtTypeMismatchError(a.type, b.type, where);
  return (a.merge as (other: Crdt) => T)(b);
}
