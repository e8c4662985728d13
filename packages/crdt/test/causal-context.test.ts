import { CausalContext, ORSet } from "@tsakt/crdt";
import { describe, expect, it } from "vitest";

describe("CausalContext", () => {
  it("folds dots into the version vector as the gaps fill", () => {
    const ctx = CausalContext.of([
      { node: "a", counter: 1 },
      { node: "a", counter: 3 },
      { node: "b", counter: 2 },
    ]);
    expect([...ctx.versionEntries()]).toEqual([["a", 1]]);
    expect([...ctx.cloudDots()]).toEqual([
      { node: "a", counter: 3 },
      { node: "b", counter: 2 },
    ]);
    const filled = ctx.with([
      { node: "a", counter: 2 },
      { node: "b", counter: 1 },
    ]);
    expect(new Map(filled.versionEntries())).toEqual(
      new Map([
        ["a", 3],
        ["b", 2],
      ]),
    );
    expect([...filled.cloudDots()]).toEqual([]);
    expect(filled.contains("a", 3)).toBe(true);
    expect(filled.contains("a", 4)).toBe(false);
    expect(filled.max("b")).toBe(2);
  });

  it("compares by the events held, whatever way they were added", () => {
    const x = CausalContext.from([["a", 2]], [{ node: "a", counter: 4 }]);
    const y = CausalContext.of([4, 1, 2].map((counter) => ({ node: "a", counter })));
    expect(x.equals(y)).toBe(true);
    expect(x.union(CausalContext.of([{ node: "a", counter: 3 }])).equals(CausalContext.from([["a", 4]], []))).toBe(true);
    expect(x.equals(CausalContext.empty())).toBe(false);
  });

  it("gives one replica's own updates a plain version vector", () => {
    let s = ORSet.empty();
    for (const e of ["x", "y", "z"]) s = s.add("a", e);
    expect([...s.context.versionEntries()]).toEqual([["a", 3]]);
    expect([...s.context.cloudDots()]).toEqual([]);
  });
});
