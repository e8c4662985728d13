import type { Supervisee } from "./supervisee.js";

/**
 * One-for-all: a directive applies to the failed actor's siblings too. It spans the children of one actor;
 * top-level actors are not each other's siblings.
 */
export function oneForAll(failed: Supervisee): readonly Supervisee[] {
  const parent = failed.supervisingParent();
  return parent === undefined ? [] : parent.childCells().filter((c) => c !== failed);
}
