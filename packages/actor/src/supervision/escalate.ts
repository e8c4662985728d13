import type { Supervisee } from "./supervisee.js";

/**
 * Escalate: the failed actor holds its mail and its parent's supervisor decides, as a turn of the parent, as if the
 * parent had failed. A top-level actor has nobody above it to decide: it stops.
 */
export function escalate(failed: Supervisee, error: unknown): void {
  const parent = failed.supervisingParent();
  if (parent === undefined) {
    void failed.stop();
    return;
  }
  failed.pauseForEscalation();
  parent.runContinuation(() => parent.fail(error, failed));
}
