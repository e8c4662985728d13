import { ORSet } from "@tsakt/crdt";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const sorted = (s: ORSet) => [...s.value].sort();

describe("ORSet", () => {
  it("adds and removes elements on one replica", () => {
    const s = ORSet.empty().add("a", "x").add("a", "y").remove("x");
    expect(sorted(s)).toEqual(["y"]);
    expect(s.has("x")).toBe(false);
    expect(s.size).toBe(1);
    expect(s.remove("absent")).toBe(s);
    expect(s.clear().size).toBe(0);
  });

  it("keeps an element when an add on one replica is concurrent with its remove on another (add wins)", () => {
    const shared = ORSet.empty().add("a", "x");
    const removed = shared.remove("x");
    const readded = shared.add("b", "x");
    expect(removed.merge(readded).has("x")).toBe(true);
    expect(readded.merge(removed).has("x")).toBe(true);
  });

  it("removes an element everywhere once the remove has seen every add", () => {
    const a = ORSet.empty().add("a", "x");
    const b = ORSet.empty().add("b", "x").merge(a);
    const removed = b.remove("x");
    expect(removed.merge(a).has("x")).toBe(false);
    expect(a.merge(removed).has("x")).toBe(false);
    // ... and a later add brings it back.
    expect(a.merge(removed).add("a", "x").merge(removed).has("x")).toBe(true);
  });

  it("matches a model of add-wins under concurrent adds and removes on two replicas", () => {
    const op = fc.tuple(fc.constantFrom("add", "remove"), fc.constantFrom("x", "y", "z"));
    fc.assert(
      fc.property(fc.subarray(["x", "y", "z"]), fc.array(op), fc.array(op), (initial, opsA, opsB) => {
        let base = ORSet.empty();
        for (const e of initial) base = base.add("origin", e);
        const apply = (node: string, ops: [string, string][]) =>
          ops.reduce((s, [kind, e]) => (kind === "add" ? s.add(node, e) : s.remove(e)), base);
        const a = apply("a", opsA);
        const b = apply("b", opsB);
        const merged = a.merge(b);
        for (const e of ["x", "y", "z"]) {
          const last = (ops: [string, string][]) => ops.filter(([, x]) => x === e).at(-1)?.[0];
          const lastA = last(opsA);
          const lastB = last(opsB);
          // Present when either replica's last word on e was an add, or neither touched it and it was there before.
          const expected = lastA === "add" || lastB === "add" || (lastA === undefined && lastB === undefined && initial.includes(e));
          expect(merged.has(e), `${e}: a=${lastA} b=${lastB} initial=${initial.includes(e)}`).toBe(expected);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("ships an add as a delta of one element, whatever the size of the set", () => {
    let s = ORSet.empty();
    for (let i = 0; i < 1000; i++) s = s.add("a", `e${i}`);
    const delta = s.resetDelta().add("b", "new").delta;
    expect(delta === undefined ? [] : [...delta.value]).toEqual(["new"]);
    const receiver = s.resetDelta().merge(delta ?? ORSet.empty());
    expect(receiver.size).toBe(1001);
  });

  it("ships a remove as a delta that names only the removed element's dots", () => {
    const s = ORSet.empty().add("a", "x").add("a", "y").resetDelta();
    const delta = s.remove("x").delta;
    expect(delta?.size).toBe(0);
    expect(s.merge(delta ?? ORSet.empty()).has("x")).toBe(false);
    expect(s.merge(delta ?? ORSet.empty()).has("y")).toBe(true);
  });
});
