import type { Supervisee } from "./supervisee.js";

/** Stop: the failed actor stops, and with it the siblings its strategy names. */
export function stop(failed: Supervisee, siblings: readonly Supervisee[]): void {
  for (const sibling of siblings) void sibling.stop();
  void failed.stop();
}
