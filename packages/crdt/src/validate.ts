import { CrdtArgumentError } from "./errors.js";

/** The largest count one replica may hold in a counter: the wire form carries it as a uint64. */
export const MAX_COUNT = (1n << 64n) - 1n;

/** Throws unless `node` is a non-empty string. */
export function checkNode(node: string, argument = "node"): void {
  if (typeof node !== "string" || node.length === 0)
    throw new CrdtArgumentError(argument, `expected a non-empty node id string, got ${describe(node)}; pass the replica's unique node id`);
}

/** Throws unless `value` is a string (ORSet elements and ORMap keys are strings). */
export function checkKey(value: string, argument: string): void {
  if (typeof value !== "string")
    throw new CrdtArgumentError(
      argument,
      `expected a string, got ${describe(value)}; encode other keys as strings (for example String(id))`,
    );
}

/** A non-negative amount as a bigint; numbers must be safe integers. */
export function toAmount(amount: number | bigint, argument = "amount"): bigint {
  if (typeof amount === "bigint") {
    if (amount < 0n) throw new CrdtArgumentError(argument, `expected a non-negative amount, got ${amount}`);
    return amount;
  }
  if (typeof amount !== "number" || !Number.isSafeInteger(amount) || amount < 0)
    throw new CrdtArgumentError(argument, `expected a non-negative safe integer or a bigint, got ${describe(amount)}`);
  return BigInt(amount);
}

/** A short description of a bad argument for an error message. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (value === null || value === undefined || typeof value !== "object") return String(value);
  return Object.prototype.toString.call(value);
}

/** Orders strings by UTF-16 code units, the same on every replica (no locale). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
