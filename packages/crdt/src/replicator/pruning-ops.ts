import type { Replicated } from "../crdt.js";
import { GCounter } from "../gcounter.js";
import { PNCounter } from "../pncounter.js";

// What a performed pruning does to values that still hold the departed node's share. Only the counters keep a share
// per node that could be folded into another node's; the dotted types (ORSet, ORMap, MVRegister) hold a departed
// node's dots as the identity of the elements and writes it made. No node starts a pruning yet (see the README).

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
