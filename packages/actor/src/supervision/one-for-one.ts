import type { Supervisee } from "./supervisee.js";

const none: readonly Supervisee[] = [];

/** One-for-one: a directive applies to the failed actor alone, so no sibling is affected. */
export function oneForOne(_failed: Supervisee): readonly Supervisee[] {
  return none;
}
