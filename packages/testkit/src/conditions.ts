import { InvalidOptionError } from "@tsakt/actor";
import { ConditionBrokenError, ConditionTimeoutError } from "./errors.js";
import type { TestClock } from "./test-clock.js";

/** Options of eventually and staysTrue. */
export interface ConditionOptions {
  /** How long to wait (eventually) or to watch (staysTrue), in ms. Default: 5000 for eventually, 500 for staysTrue. */
  timeoutMs?: number;
  /** Pause between checks, in ms. Default: 10. */
  intervalMs?: number;
  /** Drive this test clock instead of waiting: each pause advances it by `intervalMs`; the time limit is clock time. */
  clock?: TestClock;
}

/** A condition: false (or a throw) means "not yet"; anything else, including a passing `expect`, means it holds. */
type Check = () => unknown;

function settings(options: ConditionOptions | undefined, defaultMs: number): { limitMs: number; stepMs: number; clock?: TestClock } {
  const limitMs = options?.timeoutMs ?? defaultMs;
  const stepMs = options?.intervalMs ?? 10;
  if (!(Number.isFinite(limitMs) && limitMs >= 0)) throw new InvalidOptionError("timeoutMs", `must be a number of ms >= 0, got ${limitMs}`);
  if (!(Number.isFinite(stepMs) && stepMs > 0)) throw new InvalidOptionError("intervalMs", `must be a number of ms > 0, got ${stepMs}`);
  return options?.clock === undefined ? { limitMs, stepMs } : { limitMs, stepMs, clock: options.clock };
}

/** Runs `check`: true holds; false, undefined or a thrown error (an `expect` failing) does not. */
async function holds(check: Check): Promise<{ ok: boolean; error?: unknown }> {
  try {
    const result = await check();
    return { ok: result !== false };
  } catch (error) {
    return { ok: false, error };
  }
}

function pause(stepMs: number, clock: TestClock | undefined): Promise<void> {
  return clock === undefined ? new Promise((resolve) => setTimeout(resolve, stepMs)) : clock.advance(stepMs);
}

/**
 * Waits until `check` holds: it returns anything but false, or stops throwing (so `expect(...)` works inside).
 * Checks every `intervalMs`; after `timeoutMs` rejects with ConditionTimeoutError naming `what` and the last error.
 * Returns how long it waited.
 */
export async function eventually(what: string, check: Check, options?: ConditionOptions): Promise<number> {
  const { limitMs, stepMs, clock } = settings(options, 5000);
  const started = clock?.now() ?? performance.now();
  for (;;) {
    const outcome = await holds(check);
    const elapsed = (clock?.now() ?? performance.now()) - started;
    if (outcome.ok) return elapsed;
    if (elapsed >= limitMs) throw new ConditionTimeoutError(what, limitMs, outcome.error);
    await pause(stepMs, clock);
  }
}

/**
 * Checks that `check` keeps holding for `timeoutMs` (Default: 500), every `intervalMs`; rejects with
 * ConditionBrokenError naming `what` as soon as it does not.
 */
export async function staysTrue(what: string, check: Check, options?: ConditionOptions): Promise<void> {
  const { limitMs, stepMs, clock } = settings(options, 500);
  const started = clock?.now() ?? performance.now();
  for (;;) {
    const outcome = await holds(check);
    const elapsed = (clock?.now() ?? performance.now()) - started;
    if (!outcome.ok) throw new ConditionBrokenError(what, Math.round(elapsed), outcome.error);
    if (elapsed >= limitMs) return;
    await pause(stepMs, clock);
  }
}
