import { CrdtTypeMismatchError, Flag, GCounter, LWWRegister, ORMap, ORSet, PNCounter } from "@tsakt/crdt";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const count = (m: ORMap, key: string) => (m.get(key) as PNCounter | undefined)?.value;

describe("ORMap", () => {
  it("adds up concurrent updates of a nested counter", () => {
    const a = ORMap.empty<PNCounter>().update("a", "hits", PNCounter.empty(), (c) => c.increment("a", 3));
    const b = ORMap.empty<PNCounter>().update("b", "hits", PNCounter.empty(), (c) => c.increment("b", 4));
    const both = a.merge(b);
    expect(both.get("hits")?.value).toBe(7n);
    const next = both.update("a", "hits", PNCounter.empty(), (c) => c.decrement("a", 2));
    expect(next.get("hits")?.value).toBe(5n);
    expect(next.merge(b).get("hits")?.value).toBe(5n);
  });

  it("matches a model: with no removes, each key's counter is the sum of every replica's updates", () => {
    const update = fc.tuple(fc.constantFrom("a", "b", "c", "d", "e"), fc.constantFrom("k1", "k2", "k3"), fc.integer({ min: -9, max: 9 }));
    fc.assert(
      fc.property(fc.array(update, { maxLength: 60 }), fc.array(fc.tuple(fc.nat(4), fc.nat(4))), (updates, syncs) => {
        const nodes = ["a", "b", "c", "d", "e"];
        const replicas = nodes.map(() => ORMap.empty<PNCounter>());
        for (const [i, [node, key, n]] of updates.entries()) {
          const at = nodes.indexOf(node);
          replicas[at] = (replicas[at] as ORMap<PNCounter>).update(node, key, PNCounter.empty(), (c) => c.increment(node, n));
          const [from, to] = syncs[i % Math.max(1, syncs.length)] ?? [0, 0];
          replicas[to] = (replicas[to] as ORMap<PNCounter>).merge(replicas[from] as ORMap<PNCounter>);
        }
        const merged = replicas.reduce((x, y) => x.merge(y));
        for (const key of ["k1", "k2", "k3"]) {
          const mine = updates.filter(([, k]) => k === key);
          expect(merged.get(key)?.value).toBe(mine.length === 0 ? undefined : BigInt(mine.reduce((s, [, , n]) => s + n, 0)));
        }
      }),
      { numRuns: 200 },
    );
  });

  it("keeps a key updated concurrently with its removal, with the value the update wrote", () => {
    const shared = ORMap.empty()
      .update("a", "hits", PNCounter.empty(), (c) => c.increment("a", 5))
      .merge(ORMap.empty().update("b", "hits", PNCounter.empty(), (c) => c.increment("b", 1)));
    const removed = shared.remove("hits");
    const updated = shared.update("b", "hits", PNCounter.empty(), (c) => c.increment("b", 1));
    expect(removed.has("hits")).toBe(false);
    expect(count(removed.merge(updated), "hits")).toBe(7n);
    expect(count(updated.merge(removed), "hits")).toBe(7n);
  });

  it("removes a key everywhere once the remove has seen every write, and starts it afresh when written again", () => {
    const a = ORMap.empty().update("a", "hits", PNCounter.empty(), (c) => c.increment("a", 5));
    const removed = a.remove("hits");
    expect(a.merge(removed).has("hits")).toBe(false);
    const again = a.merge(removed).update("a", "hits", PNCounter.empty(), (c) => c.increment("a", 1));
    expect(count(again, "hits")).toBe(1n);
    expect(count(again.merge(a), "hits")).toBe(1n);
  });

  it("nests any type, maps included, and ships a write's delta with only that key", () => {
    const m = ORMap.empty()
      .update("a", "tags", ORSet.empty(), (s) => s.add("a", "red"))
      .update("a", "on", Flag.empty(), (f) => f.enable())
      .put("a", "name", LWWRegister.write("a", "alice", 1))
      .update("a", "inner", ORMap.empty(), (inner) => inner.update("a", "g", GCounter.empty(), (g) => g.increment("a", 2)))
      .resetDelta();
    const next = m.update("b", "tags", ORSet.empty(), (s) => s.add("b", "blue"));
    expect([...(next.delta?.keys() ?? [])]).toEqual(["tags"]);
    expect([...(next.get("tags") as ORSet).value].sort()).toEqual(["blue", "red"]);
    expect(((next.get("inner") as ORMap).get("g") as GCounter).value).toBe(2n);
    expect((next.get("name") as LWWRegister).value).toBe("alice");
    expect(m.merge(next.delta ?? ORMap.empty()).equals(next)).toBe(true);
  });

  it("refuses an update that changes a key's type, and a merge that finds two types under one key", () => {
    const m = ORMap.empty().update("a", "k", GCounter.empty(), (c) => c.increment("a"));
    expect(() => m.update("a", "k", GCounter.empty(), () => Flag.empty() as never)).toThrow(CrdtTypeMismatchError);
    const other = ORMap.empty().put("b", "k", Flag.empty().enable());
    expect(() => m.merge(other)).toThrow(/GCounter|Flag/);
    expect(() => m.put("a", "k", "not a crdt" as never)).toThrow(/expected a replicated value/);
  });

  it("lists keys and values, and clears what it has seen while a concurrent write survives", () => {
    const m = ORMap.empty<GCounter>()
      .update("a", "x", GCounter.empty(), (c) => c.increment("a", 1))
      .update("a", "y", GCounter.empty(), (c) => c.increment("a", 2));
    expect([...m.keys()].sort()).toEqual(["x", "y"]);
    expect(new Map([...m.entries()].map(([k, v]) => [k, v.value]))).toEqual(
      new Map([
        ["x", 1n],
        ["y", 2n],
      ]),
    );
    expect(m.value.get("y")?.value).toBe(2n);
    expect(String(m)).toBe("ORMap(2 keys)");
    const cleared = m.clear();
    const written = m.update("b", "z", GCounter.empty(), (c) => c.increment("b", 3));
    const merged = cleared.merge(written);
    expect([...merged.keys()]).toEqual(["z"]);
    expect(merged.size).toBe(1);
    expect(m.remove("absent")).toBe(m);
  });
});
