import type { Replicated } from "../crdt.js";
import { GCounter } from "../gcounter.js";
import { PNCounter } from "../pncounter.js";

// What pruning does to each type. Only the counters keep a share per node that can be folded into another node's:
// the dotted types (ORSet, ORMap, MVRegister) hold a departed node's dots as the identity of the elements and writes
// it made, so dropping them would drop the elements (see the README).

/** True when pruning applies to values of this type (top-level GCounter and PNCounter). */
export function isPrunable(value: Replicated): value is GCounter | PNCounter {
  return value instanceof GCounter || value instanceof PNCounter;
}

/** Node ids holding a share of a prunable value. */
export function sharesOf(value: Replicated): Set<string> {
  const nodes = new Set<string>();
  if (value instanceof GCounter) for (const node of value.entries().keys()) nodes.add(node);
  else if (value instanceof PNCounter) {
    for (const node of value.increments.entries().keys()) nodes.add(node);
    for (const node of value.decrements.entries().keys()) nodes.add(node);
  }
  return nodes;
}

function withoutNodes(counter: GCounter, removed: readonly string[]): GCounter {
  if (!removed.some((node) => counter.countOf(node) > 0n)) return counter;
  const drop = new Set(removed);
  return GCounter.fromEntries([...counter.entries()].filter(([node]) => !drop.has(node)));
}

/** `value` without the shares of `removed` (whose pruning is done); the same value when it holds none. */
export function cleanup(value: Replicated, removed: readonly string[]): Replicated {
  if (value instanceof GCounter) return withoutNodes(value, removed);
  if (value instanceof PNCounter) {
    const up = withoutNodes(value.increments, removed);
    const down = withoutNodes(value.decrements, removed);
    return up === value.increments && down === value.decrements ? value : PNCounter.of(up, down);
  }
  return value;
}

function folded(counter: GCounter, removed: string, into: string): GCounter {
  const share = counter.countOf(removed);
  if (share === 0n) return counter;
  const entries = [...counter.entries()].filter(([node]) => node !== removed && node !== into);
  entries.push([into, counter.countOf(into) + share]);
  return GCounter.fromEntries(entries);
}

/** `value` with `removed`'s share added to `into`'s and dropped: the total stays the same. */
export function prune(value: Replicated, removed: string, into: string): Replicated {
  if (value instanceof GCounter) return folded(value, removed, into);
  if (value instanceof PNCounter) return PNCounter.of(folded(value.increments, removed, into), folded(value.decrements, removed, into));
  return value;
}
