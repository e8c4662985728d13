import { InvalidNameError } from "./errors.js";

const valid = /^[A-Za-z0-9_.~@$-]+$/;

/** Longest accepted actor name. */
export const maxNameLength = 255;

/** Throws InvalidNameError unless `name` is a usable actor name. */
export function validateName(name: unknown): asserts name is string {
  if (typeof name !== "string") throw new InvalidNameError(String(name), `must be a string, got ${typeof name}`);
  if (name.length === 0) throw new InvalidNameError(name, "must not be empty");
  if (name.length > maxNameLength) throw new InvalidNameError(name, `must be at most ${maxNameLength} characters, got ${name.length}`);
  if (name.startsWith("$")) throw new InvalidNameError(name, 'must not start with "$" (reserved for system actors)');
  if (!valid.test(name)) throw new InvalidNameError(name, 'may use only letters, digits and _ . ~ @ $ - (no "/" or spaces)');
}
