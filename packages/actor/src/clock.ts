/** A timer started by a Clock; cancel it with the same clock's clearTimeout. */
export type TimerHandle = { readonly __timer?: never } | object;

/**
 * Where the runtime reads the time and starts timers: ask deadlines, passivation, the scheduler, grain idle
 * timers and cluster failure detection. Tests pass a manual clock (TestClock from @tsakt/testkit) to drive them.
 */
export interface Clock {
  /** Milliseconds since the epoch, like Date.now(). */
  now(): number;
  /** Calls `callback` once after `delayMs`; the timer does not keep the process alive. */
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  /** Cancels a timer of this clock; unknown or fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock: Date.now and unref'd Node timers. */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const timer = setTimeout(callback, delayMs);
    timer.unref();
    return timer;
  },
  clearTimeout(handle: TimerHandle): void {
    clearTimeout(handle as NodeJS.Timeout);
  },
});

/** ref()s (the process stays alive until it fires) or unref()s a Node timer; other clocks' handles are left alone. */
export function keepAlive(timer: TimerHandle, on: boolean): void {
  const t = timer as { ref?: () => void; unref?: () => void };
  if (on) t.ref?.();
  else t.unref?.();
}

/** Calls `callback` every `intervalMs` on `clock` until the returned function is called. */
export function every(clock: Clock, intervalMs: number, callback: () => void): () => void {
  let handle: TimerHandle | undefined;
  let stopped = false;
  const tick = (): void => {
    if (stopped) return;
    handle = clock.setTimeout(tick, intervalMs);
    callback();
  };
  handle = clock.setTimeout(tick, intervalMs);
  return () => {
    stopped = true;
    if (handle !== undefined) clock.clearTimeout(handle);
  };
}

/** Resolves after `delayMs` on `clock`. */
export function sleep(clock: Clock, delayMs: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, delayMs));
}

/** Checks a user-given clock. */
export function isClock(value: unknown): value is Clock {
  const c = value as Partial<Clock> | null;
  return (
    typeof c === "object" &&
    c !== null &&
    typeof c.now === "function" &&
    typeof c.setTimeout === "function" &&
    typeof c.clearTimeout === "function"
  );
}
