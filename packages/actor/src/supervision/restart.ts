import { restartAfterBackoff } from "./backoff.js";
import { spendRestart } from "./budget.js";
import type { SupervisorOptions } from "./options.js";
import type { Supervisee } from "./supervisee.js";

/**
 * Restart: the siblings its strategy names restart at once; the failed actor restarts if its budget allows (after
 * the backoff delay when one is set), else it stops or is suspended (`onExhausted`).
 */
export function restart(failed: Supervisee, siblings: readonly Supervisee[], error: unknown, options: SupervisorOptions | undefined): void {
  for (const sibling of siblings) sibling.restart(error);
  let attempt = 0;
  if ((options?.maxRestarts ?? Infinity) !== Infinity || options?.backoff !== undefined) {
    attempt = spendRestart(failed.restartRecord(), options, failed.runtime.clock.now());
    if (attempt < 0) {
      if (options?.onExhausted === "suspend") failed.suspend(error);
      else void failed.stop();
      return;
    }
  }
  if (options?.backoff !== undefined) restartAfterBackoff(failed, error, options.backoff, attempt);
  else failed.restart(error);
}
