import { CrdtArgumentError } from "./errors.js";
import { compareStrings, describe } from "./validate.js";

/** What a register holds: a string, a number, a boolean, a bigint within 64 signed bits, or bytes (for example a serialized protobuf message). */
export type Scalar = string | number | boolean | bigint | Uint8Array;

/** The scalar kind of a literal type: `"a"` widens to string, `1` to number, `true` to boolean. */
export type WidenScalar<T extends Scalar> = T extends string
  ? string
  : T extends number
    ? number
    : T extends boolean
      ? boolean
      : T extends bigint
        ? bigint
        : Uint8Array;

const MIN_INT64 = -(1n << 63n);
const MAX_INT64 = (1n << 63n) - 1n;

/** Throws unless `value` is a Scalar the wire form can carry. */
export function checkScalar(value: unknown, argument = "value"): asserts value is Scalar {
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
      return;
    case "bigint":
      if (value < MIN_INT64 || value > MAX_INT64)
        throw new CrdtArgumentError(argument, `bigint ${value} is outside the signed 64-bit range; store it as a string`);
      return;
    default:
      if (value instanceof Uint8Array) return;
      throw new CrdtArgumentError(
        argument,
        `expected a string, number, boolean, bigint or Uint8Array, got ${describe(value)}; serialize other values (JSON, protobuf) first`,
      );
  }
}

function rank(value: Scalar): number {
  switch (typeof value) {
    case "string":
      return 1;
    case "number":
      return 2;
    case "boolean":
      return 3;
    case "bigint":
      return 4;
    default:
      return 5;
  }
}

function compareNumbers(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (Object.is(a, b)) return 0;
  // Left: NaN against anything, or -0 against 0. NaN sorts last, -0 before 0.
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return Object.is(a, -0) ? -1 : 1;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0);
  return a.length - b.length;
}

/** `value`, with bytes copied into a plain Uint8Array (a Node Buffer's `slice` would share memory), so the caller may reuse its buffer. */
export function ownScalar<V extends Scalar>(value: V): V {
  return (value instanceof Uint8Array ? new Uint8Array(value) : value) as V;
}

/**
 * A total order on scalars, the same on every replica: by kind (string, number, boolean, bigint, bytes), then by
 * value (strings by UTF-16 code units, NaN after every number and -0 before 0, false before true, bytes
 * lexicographically).
 */
export function compareScalars(a: Scalar, b: Scalar): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 1:
      return compareStrings(a as string, b as string);
    case 2:
      return compareNumbers(a as number, b as number);
    case 3:
      return Number(a) - Number(b);
    case 4:
      return (a as bigint) < (b as bigint) ? -1 : (a as bigint) > (b as bigint) ? 1 : 0;
    default:
      return compareBytes(a as Uint8Array, b as Uint8Array);
  }
}

/** True when two scalars are the same value (bytes by content, NaN equals NaN, -0 differs from 0). */
export function sameScalar(a: Scalar, b: Scalar): boolean {
  return a === b ? !(a === 0 && !Object.is(a, b)) : compareScalars(a, b) === 0;
}
