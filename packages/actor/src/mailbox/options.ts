import { InvalidOptionError } from "../errors.js";
import { BoundedMailbox } from "./bounded.js";
import { FairMailbox } from "./fair.js";
import type { Mailbox } from "./mailbox.js";
import { type PriorityComparator, PriorityMailbox } from "./priority.js";
import { UnboundedMailbox } from "./unbounded.js";

/** Which mailbox an actor gets. Default: { kind: "unbounded" }. */
export type MailboxOptions =
  | { kind: "unbounded" }
  | {
      kind: "bounded";
      /** Most messages queued at once. */
      capacity: number;
      /** When full: "backpressure" makes tell return false and send wait; "drop" dead-letters with MailboxFullError. Default: "backpressure". */
      overflow?: "backpressure" | "drop";
    }
  | {
      kind: "priority";
      /** Negative when `a` goes before `b`. */
      compare: PriorityComparator;
      /** Keep arrival order among equal priorities. Default: true. */
      stable?: boolean;
      /** Most messages queued at once. Default: Infinity. */
      capacity?: number;
      /** When full: "drop" dead-letters with MailboxFullError; "backpressure" makes tell return false and send wait. Default: "drop". */
      overflow?: "backpressure" | "drop";
    }
  /** Per-sender round-robin, so one sender flooding the actor cannot starve the others. */
  | { kind: "fair" };

/** Throws InvalidOptionError naming the field when `options` is not a valid mailbox spec. */
export function validateMailboxOptions(options: unknown, field = "mailbox"): asserts options is MailboxOptions {
  if (typeof options !== "object" || options === null) throw new InvalidOptionError(field, 'must be an object like { kind: "unbounded" }');
  const o = options as Record<string, unknown>;
  switch (o.kind) {
    case "unbounded":
      return;
    case "bounded":
      if (!isPositiveInt(o.capacity))
        throw new InvalidOptionError(`${field}.capacity`, `must be a positive integer, got ${String(o.capacity)}`);
      validateOverflow(o.overflow, field);
      return;
    case "priority":
      if (typeof o.compare !== "function") throw new InvalidOptionError(`${field}.compare`, "must be a function (a, b) => number");
      if (o.stable !== undefined && typeof o.stable !== "boolean") throw new InvalidOptionError(`${field}.stable`, "must be a boolean");
      if (o.capacity !== undefined && !isPositiveInt(o.capacity) && o.capacity !== Infinity)
        throw new InvalidOptionError(`${field}.capacity`, `must be a positive integer, got ${String(o.capacity)}`);
      validateOverflow(o.overflow, field);
      return;
    case "fair":
      return;
    default:
      throw new InvalidOptionError(`${field}.kind`, `must be "unbounded", "bounded", "priority" or "fair", got ${JSON.stringify(o.kind)}`);
  }
}

function validateOverflow(overflow: unknown, field: string): void {
  if (overflow !== undefined && overflow !== "backpressure" && overflow !== "drop")
    throw new InvalidOptionError(`${field}.overflow`, `must be "backpressure" or "drop", got ${JSON.stringify(overflow)}`);
}

/** Makes the mailbox an options object asks for (already validated). */
export function createMailbox(options: MailboxOptions | undefined): Mailbox {
  if (options === undefined || options.kind === "unbounded") return new UnboundedMailbox();
  if (options.kind === "bounded") return new BoundedMailbox(options.capacity, options.overflow ?? "backpressure");
  if (options.kind === "fair") return new FairMailbox();
  return new PriorityMailbox(options.compare, options.stable ?? true, options.capacity ?? Infinity, options.overflow ?? "drop");
}

/** True for a whole number above zero. */
export function isPositiveInt(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value > 0;
}
