import { keepAlive } from "../clock.js";
import type { BackoffOptions } from "./options.js";
import type { Supervisee } from "./supervisee.js";

/** Delay before the `attempt`-th restart (0-based) under `backoff`: minMs, then ×factor each time, capped at maxMs. */
export function backoffDelay(backoff: BackoffOptions, attempt: number): number {
  return Math.min(backoff.maxMs, backoff.minMs * (backoff.factor ?? 2) ** attempt);
}

/**
 * Restarts `failed` after the backoff delay of its `attempt`-th restart. Until then its mail waits; stopping it
 * cancels the timer, which keeps the process alive so a pending restart is not lost.
 */
export function restartAfterBackoff(failed: Supervisee, error: unknown, backoff: BackoffOptions, attempt: number): void {
  failed.pauseForBackoff();
  const record = failed.restartRecord();
  const clock = failed.runtime.clock;
  record.backoffTimer = clock.setTimeout(
    () => {
      record.backoffTimer = undefined;
      failed.restart(error);
    },
    backoffDelay(backoff, attempt),
  );
  keepAlive(record.backoffTimer, true);
}
