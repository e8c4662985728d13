import type { CausalContext, Dot } from "./causal-context.js";

/** A dot and what it carries: the add event of an ORSet element, a write of an MVRegister or ORMap key. */
export interface DotEntry<V> extends Dot {
  readonly value: V;
}

/** Entries grouped by element or key; a group with no entries is absent. Values are never changed in place. */
export type DotStore<V> = ReadonlyMap<string, readonly DotEntry<V>[]>;

function holds<V>(entries: readonly DotEntry<V>[], dot: Dot): boolean {
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as DotEntry<V>;
    if (e.counter === dot.counter && e.node === dot.node) return true;
  }
  return false;
}

/** `entries` less those `context` has seen; the same array when none is. */
function unseen<V>(entries: readonly DotEntry<V>[], context: CausalContext): readonly DotEntry<V>[] {
  let kept: DotEntry<V>[] | undefined;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as DotEntry<V>;
    if (context.contains(e.node, e.counter)) kept ??= entries.slice(0, i);
    else kept?.push(e);
  }
  return kept ?? entries;
}

/**
 * The causal merge of two groups of entries (after Almeida et al., "Delta State Replicated Data Types"): an entry
 * survives when both sides hold it, or when the other side has never seen its dot. An entry the other side has seen
 * but no longer holds was removed there, so it goes. A dot is minted once and carries one value forever, so an
 * entry both sides hold is the same entry. Returns one of the inputs when the result equals it.
 */
export function mergeEntries<V>(
  a: readonly DotEntry<V>[],
  aContext: CausalContext,
  b: readonly DotEntry<V>[],
  bContext: CausalContext,
): readonly DotEntry<V>[] {
  if (a === b || b.length === 0) return b.length === 0 ? unseen(a, bContext) : a;
  if (a.length === 0) return unseen(b, aContext);
  // The common case of a set or map element: one dot on each side, the same one.
  if (a.length === 1 && b.length === 1 && holds(b, a[0] as DotEntry<V>)) return a;
  let kept: DotEntry<V>[] | undefined;
  for (let i = 0; i < a.length; i++) {
    const e = a[i] as DotEntry<V>;
    if (holds(b, e) || !bContext.contains(e.node, e.counter)) kept?.push(e);
    else kept ??= a.slice(0, i);
  }
  for (let i = 0; i < b.length; i++) {
    const e = b[i] as DotEntry<V>;
    if (!holds(a, e) && !aContext.contains(e.node, e.counter)) (kept ??= a.slice()).push(e);
  }
  return kept ?? a;
}

/** The causal merge of two stores, group by group; the result shares unchanged groups with the inputs. */
export function mergeStores<V>(
  a: DotStore<V>,
  aContext: CausalContext,
  b: DotStore<V>,
  bContext: CausalContext,
): Map<string, readonly DotEntry<V>[]> {
  const out = new Map(a);
  // Groups only `a` has lose the entries `b` has seen (removed there); checking stops early when `b` has seen nothing.
  if (!bContext.isEmpty)
    for (const [group, entries] of a) {
      if (b.has(group)) continue;
      const kept = unseen(entries, bContext);
      if (kept.length === 0) out.delete(group);
      else if (kept !== entries) out.set(group, kept);
    }
  for (const [group, entries] of b) {
    const mine = a.get(group);
    const kept = mergeEntries(mine ?? [], aContext, entries, bContext);
    if (kept.length === 0) out.delete(group);
    else if (kept !== mine) out.set(group, kept);
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
