import type { SupervisorOptions } from "./options.js";
import type { RestartRecord } from "./supervisee.js";

/** Window of the restart budget when `withinMs` is not given. */
export const defaultWithinMs = 60_000;

/**
 * Counts one restart at `now` against the budget (`maxRestarts` within `withinMs`). Returns the restart's attempt
 * number inside the window (0 for the first, which backoff grows with), or -1 when the budget is spent.
 */
export function spendRestart(record: RestartRecord, options: SupervisorOptions | undefined, now: number): number {
  const max = options?.maxRestarts ?? Infinity;
  const within = options?.withinMs ?? defaultWithinMs;
  const log = (record.restarts ??= []);
  while (log.length > 0 && (log[0] as number) <= now - within) log.shift();
  if (log.length >= max) return -1;
  log.push(now);
  return log.length - 1;
}
