import { Cron } from "croner";
import { InvalidMessageError, InvalidOptionError, messageOf } from "../errors.js";
import type { PID } from "../pid.js";

/** Options of every scheduler call. */
export interface ScheduleOptions {
  /** Sender the target sees (ctx.sender). Default: none. */
  sender?: PID;
  /** The schedule's id, unique among active schedules. Default: "schedule-<n>". */
  id?: string;
}

/** Options of scheduler.every. */
export interface EveryOptions extends ScheduleOptions {
  /** Wait before the first delivery, in ms (0 delivers at once). Default: the interval. */
  initialDelayMs?: number;
}

/** Options of scheduler.cron. */
export interface CronScheduleOptions extends ScheduleOptions {
  /** IANA time zone the expression is read in, for example "Europe/Stockholm". Default: the process's local zone. */
  timezone?: string;
}

const knownByCall = {
  once: ["sender", "id"],
  every: ["sender", "id", "initialDelayMs"],
  cron: ["sender", "id", "timezone"],
} as const;

/** Throws InvalidOptionError (or InvalidMessageError) naming what is wrong with a scheduler call's target, message or options. */
export function validateScheduleCall(call: keyof typeof knownByCall, target: unknown, message: unknown, options: unknown): void {
  if (
    typeof target !== "object" ||
    target === null ||
    typeof (target as PID).tell !== "function" ||
    typeof (target as PID).isAlive !== "function"
  )
    throw new InvalidOptionError("target", "must be a PID (from spawn or actorOf)");
  if (message === undefined || message === null)
    throw new InvalidMessageError(`a scheduled message must be a value, got ${String(message)}`);
  if (options === undefined) return;
  if (typeof options !== "object" || options === null) throw new InvalidOptionError("options", "must be an object");
  const known: readonly string[] = knownByCall[call];
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o))
    if (!known.includes(key)) throw new InvalidOptionError(key, `is not an option of ${call} (known: ${known.join(", ")})`);
  if (o.sender !== undefined && (typeof o.sender !== "object" || o.sender === null || typeof (o.sender as PID).tell !== "function"))
    throw new InvalidOptionError("sender", "must be a PID");
  if (o.id !== undefined && (typeof o.id !== "string" || o.id.length === 0))
    throw new InvalidOptionError("id", "must be a non-empty string");
  if (o.initialDelayMs !== undefined && !isDelay(o.initialDelayMs))
    throw new InvalidOptionError("initialDelayMs", `must be a finite number of milliseconds >= 0, got ${String(o.initialDelayMs)}`);
  if (o.timezone !== undefined) {
    try {
      if (typeof o.timezone !== "string") throw new TypeError(`expected a string, got ${typeof o.timezone}`);
      new Intl.DateTimeFormat("en-US", { timeZone: o.timezone });
    } catch (error) {
      throw new InvalidOptionError("timezone", `must be an IANA time zone such as "Europe/Stockholm": ${messageOf(error)}`);
    }
  }
}

/** True for a finite number of milliseconds >= 0. */
export function isDelay(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

/** Parses a cron expression (5 fields, or 6 with seconds first, or 7 with years last); throws InvalidOptionError naming "expression". */
export function parseCron(expression: unknown, timezone: string | undefined): Cron {
  if (typeof expression !== "string" || expression.trim().length === 0)
    throw new InvalidOptionError("expression", 'must be a cron expression such as "*/5 * * * *"');
  // croner reads a string with ":" as a date for a single run; scheduler.once is the call for that.
  if (expression.includes(":"))
    throw new InvalidOptionError(
      "expression",
      `must be a cron pattern, not a date (use once for a single delivery), got ${JSON.stringify(expression)}`,
    );
  let cron: Cron;
  try {
    cron = new Cron(expression, timezone === undefined ? {} : { timezone });
  } catch (error) {
    throw new InvalidOptionError("expression", `${JSON.stringify(expression)} is not a valid cron expression: ${messageOf(error)}`);
  }
  if (cron.nextRun() === null) throw new InvalidOptionError("expression", `${JSON.stringify(expression)} never matches a future time`);
  return cron;
}
