import { InvalidOptionError } from "@tsakt/actor";

/** Throws InvalidOptionError naming `field` unless `value` is a positive safe integer. */
export function positiveInteger(field: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0)
    throw new InvalidOptionError(field, "must be a positive integer");
  return value;
}

/** Throws InvalidOptionError naming `field` unless `value` is a positive finite number of milliseconds. */
export function positiveMs(field: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0)
    throw new InvalidOptionError(field, "must be a positive number of milliseconds");
  return value;
}

/** Throws InvalidOptionError naming `field` unless `value` is a function. */
export function isFunction<F>(field: string, value: F): F {
  if (typeof value !== "function") throw new InvalidOptionError(field, "must be a function");
  return value;
}

/** `options` as a record (undefined gives {}); InvalidOptionError when it is something else. */
export function optionsObject(options: unknown, shape: string): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null) throw new InvalidOptionError("options", `must be an object ${shape}`);
  return options as Record<string, unknown>;
}

/** `value` when given (checked by `check`), else `fallback`. */
export function optional<T>(field: string, value: unknown, check: (field: string, value: unknown) => T, fallback: T): T {
  return value === undefined ? fallback : check(field, value);
}
