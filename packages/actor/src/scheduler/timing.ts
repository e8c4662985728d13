import type { Cron } from "croner";

/** When the deliveries of one schedule are due, in epoch milliseconds. */
export interface Timing {
  /** True when due times follow the wall clock (cron): timers then wake at least every minute to re-check it. */
  readonly wallClock: boolean;
  /** The first due time for a schedule made at `now`; undefined when it never comes. */
  first(now: number): number | undefined;
  /** The due time after a delivery due at `due` ran at `now`; undefined when the schedule is done. */
  next(due: number, now: number): number | undefined;
  /** The due time when resumed at `now`, after a pause at `pausedAt` while `due` was pending. */
  resumed(due: number, pausedAt: number, now: number): number | undefined;
}

/** One delivery after `delayMs`; a pause freezes the time left. */
export function onceTiming(delayMs: number): Timing {
  return {
    wallClock: false,
    first: (now) => now + delayMs,
    next: () => undefined,
    // Clamped so a wall-clock jump during the pause cannot stretch the delay past the one asked for.
    resumed: (due, pausedAt, now) => now + Math.min(delayMs, Math.max(0, due - pausedAt)),
  };
}

/**
 * A delivery every `intervalMs` after `initialDelayMs`, at a fixed rate: due times stay on one grid, and ticks that
 * fell in a pause or a stall are skipped rather than delivered in a burst.
 */
export function everyTiming(intervalMs: number, initialDelayMs: number): Timing {
  const next = (due: number, now: number): number => {
    let at = due + intervalMs;
    if (at <= now) at += (Math.floor((now - at) / intervalMs) + 1) * intervalMs;
    // A wall clock that went back must not hold the next tick for longer than one interval.
    return Math.min(at, now + intervalMs);
  };
  return {
    wallClock: false,
    first: (now) => now + initialDelayMs,
    next,
    resumed: (due, _pausedAt, now) => (due > now ? Math.min(due, now + intervalMs) : next(due, now)),
  };
}

/** Deliveries at the times a cron pattern matches; the clock is checked at least every minute, as cron follows wall time. */
export function cronTiming(cron: Cron): Timing {
  const after = (time: number): number | undefined => cron.nextRun(new Date(time))?.getTime();
  return {
    wallClock: true,
    first: (now) => after(now),
    next: (due, now) => after(Math.max(due, now)),
    resumed: (_due, _pausedAt, now) => after(now),
  };
}
