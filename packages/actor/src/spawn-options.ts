import { InvalidOptionError } from "./errors.js";
import { type Extension, indexById } from "./extensions.js";
import { isPositiveInt, type MailboxOptions, validateMailboxOptions } from "./mailbox/options.js";
import { type PassivationOptions, validatePassivationOptions } from "./passivation.js";
import { type SupervisorOptions, validateSupervisorOptions } from "./supervision/options.js";

/** Options of one actor. */
export interface SpawnOptions {
  /** Default: { kind: "unbounded" }. */
  mailbox?: MailboxOptions;
  /** How this actor's failures are handled. Default: the system's supervisor (restart, no limit). */
  supervisor?: SupervisorOptions;
  /**
   * While a ctx.request is pending: "allow-all" keeps processing other messages, "stash" holds them back; "off"
   * refuses ctx.request with ReentrancyDisabledError. Default: "allow-all".
   */
  reentrancy?: "allow-all" | "stash" | "off";
  /** Most ctx.request calls of this actor pending at once; past it ctx.request throws InFlightLimitError. Default: Infinity. */
  maxInFlight?: number;
  /** Most messages ctx.stash keeps; past it stash throws. Default: Infinity. */
  stashCapacity?: number;
  /** Passivate when idle or after a message count; "long-lived" never. Default: never (and not counted under the node-wide cap). */
  passivation?: PassivationOptions;
  /** Objects with an id the actor reads through ctx.dependency(id) (injected per actor, kept across restarts). Default: none. */
  dependencies?: Extension[];
}

const known = new Set(["mailbox", "supervisor", "reentrancy", "maxInFlight", "stashCapacity", "passivation", "dependencies"]);
const validated = new WeakSet<object>();

/** Throws InvalidOptionError naming the field when `options` are wrong; an options object is checked once. */
export function validateSpawnOptions(options: unknown): asserts options is SpawnOptions | undefined {
  if (options === undefined) return;
  if (typeof options !== "object" || options === null) throw new InvalidOptionError("options", "must be an object");
  if (validated.has(options)) return;
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o))
    if (!known.has(key)) throw new InvalidOptionError(key, `is not a spawn option (known: ${[...known].join(", ")})`);
  if (o.mailbox !== undefined) validateMailboxOptions(o.mailbox);
  if (o.supervisor !== undefined) validateSupervisorOptions(o.supervisor);
  if (o.reentrancy !== undefined && o.reentrancy !== "allow-all" && o.reentrancy !== "stash" && o.reentrancy !== "off")
    throw new InvalidOptionError("reentrancy", `must be "allow-all", "stash" or "off", got ${JSON.stringify(o.reentrancy)}`);
  if (o.maxInFlight !== undefined && o.maxInFlight !== Infinity && !isPositiveInt(o.maxInFlight))
    throw new InvalidOptionError("maxInFlight", `must be a positive whole number or Infinity, got ${String(o.maxInFlight)}`);
  if (
    o.stashCapacity !== undefined &&
    !(o.stashCapacity === Infinity || (Number.isInteger(o.stashCapacity) && (o.stashCapacity as number) > 0))
  )
    throw new InvalidOptionError("stashCapacity", `must be a positive whole number, got ${String(o.stashCapacity)}`);
  if (o.passivation !== undefined) validatePassivationOptions(o.passivation);
  if (o.dependencies !== undefined) indexById(o.dependencies, "dependencies");
  validated.add(options);
}
