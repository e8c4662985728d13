import type { CausalContext, Dot } from "./causal-context.js";

/** A dot and what it carries: the add event of an ORSet element, a write of an MVRegister or ORMap key. */
export interface DotEntry<V> extends Dot {
  readonly value: V;
}

/** Entries grouped by element or key; a group with no entries is absent. Values are never changed in place. */
export type DotStore<V> = ReadonlyMap<string, readonly DotEntry<V>[]>;

function holds<V>(entries: readonly DotEntry<V>[], dot: Dot): boolean {
  for (const e of entries) if (e.counter === dot.counter && e.node === dot.node) return true;
  return false;
}

/**
 * The causal merge of two groups of entries (after Almeida et al., "Delta State Replicated Data Types"): an entry
 * survives when both sides hold it, or when the other side has never seen its dot. An entry the other side has seen
 * but no longer holds was removed there, so it goes. A dot is minted once and carries one value forever, so an
 * entry both sides hold is the same entry.
 */
export function mergeEntries<V>(
  a: readonly DotEntry<V>[],
  aContext: CausalContext,
  b: readonly DotEntry<V>[],
  bContext: CausalContext,
): readonly DotEntry<V>[] {
  if (a === b) return a;
  const kept: DotEntry<V>[] = [];
  for (const e of a) if (holds(b, e) || !bContext.contains(e.node, e.counter)) kept.push(e);
  for (const e of b) if (!holds(a, e) && !aContext.contains(e.node, e.counter)) kept.push(e);
  if (kept.length === a.length && kept.every((e, i) => e === a[i])) return a;
  if (kept.length === b.length && kept.every((e, i) => e === b[i])) return b;
  return kept;
}

/** The causal merge of two stores, group by group; the result shares unchanged groups with the inputs. */
export function mergeStores<V>(
  a: DotStore<V>,
  aContext: CausalContext,
  b: DotStore<V>,
  bContext: CausalContext,
): Map<string, readonly DotEntry<V>[]> {
  const out = new Map<string, readonly DotEntry<V>[]>();
  for (const [group, entries] of a) {
    const kept = mergeEntries(entries, aContext, b.get(group) ?? [], bContext);
    if (kept.length > 0) out.set(group, kept);
  }
  for (const [group, entries] of b) {
    if (a.has(group)) continue;
    const kept = mergeEntries([], aContext, entries, bContext);
    if (kept.length > 0) out.set(group, kept);
  }
  return out;
}

/** True when both groups hold the same dots (order aside); values are compared with `same`. */
export function sameEntries<V>(a: readonly DotEntry<V>[], b: readonly DotEntry<V>[], same: (x: V, y: V) => boolean): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (const e of a) {
    const match = b.find((f) => f.counter === e.counter && f.node === e.node);
    if (match === undefined || !same(e.value, match.value)) return false;
  }
  return true;
}

/** True when both stores hold the same groups with the same dots. */
export function sameStores<V>(a: DotStore<V>, b: DotStore<V>, same: (x: V, y: V) => boolean): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const [group, entries] of a) {
    const theirs = b.get(group);
    if (theirs === undefined || !sameEntries(entries, theirs, same)) return false;
  }
  return true;
}
