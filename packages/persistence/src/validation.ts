import { InvalidOptionError } from "@tsakt/actor";

/** Longest key or persistence id accepted, in UTF-8 bytes; embedded stores index keys and cap their size. Default: 512. */
export const maxKeyBytes = 512;

/** Throws InvalidOptionError unless `value` is a non-empty string of at most maxKeyBytes UTF-8 bytes. */
export function validateKey(field: string, value: unknown): asserts value is string {
  if (typeof value !== "string" || value.length === 0) throw new InvalidOptionError(field, "must be a non-empty string");
  if (value.includes("\u0000")) throw new InvalidOptionError(field, "must not contain NUL characters (SQL text columns cannot hold them)");
  if (Buffer.byteLength(value, "utf8") > maxKeyBytes) throw new InvalidOptionError(field, `must be at most ${maxKeyBytes} UTF-8 bytes`);
}

/** Throws InvalidOptionError unless `value` is a safe integer ≥ min. */
export function validateCount(field: string, value: unknown, min = 0): asserts value is number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min)
    throw new InvalidOptionError(field, `must be an integer ≥ ${min}, got ${String(value)}`);
}

/** Throws InvalidOptionError unless `value` is a Uint8Array (a Buffer is one). */
export function validateBytes(field: string, value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new InvalidOptionError(field, "must be a Uint8Array");
}

/** Throws InvalidOptionError unless `value` is a string without NUL characters. */
export function validateText(field: string, value: unknown): asserts value is string {
  if (typeof value !== "string") throw new InvalidOptionError(field, "must be a string");
  if (value.includes("\u0000")) throw new InvalidOptionError(field, "must not contain NUL characters (SQL text columns cannot hold them)");
}
