import type { Logger } from "@tsakt/actor";

/** How often one kind of refusal is logged at most. */
export const refusalLogIntervalMs = 10_000;

/**
 * Logs a warning at most once per interval for each key, with the number of occurrences left unlogged since the
 * previous line, so a flood of refused connections costs a line per interval, not a line per connection.
 */
export class LogLimiter {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: () => Logger,
    private readonly intervalMs = refusalLogIntervalMs,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Logs `obj` and `msg` at warn unless `key` was logged less than an interval ago (then it is only counted). */
  warn(key: string, obj: Record<string, unknown>, msg: string): void {
    const now = this.now();
    const seen = this.last.get(key);
    if (seen !== undefined && now - seen.at < this.intervalMs) {
      seen.suppressed++;
      return;
    }
    if (this.last.size > 1000) this.last.clear();
    this.last.set(key, { at: now, suppressed: 0 });
    this.logger().warn(seen === undefined || seen.suppressed === 0 ? obj : { ...obj, suppressed: seen.suppressed }, msg);
  }
}
