import { isTsaktError } from "@tsakt/actor";
import { CrdtArgumentError, GCounter, MAX_COUNT, PNCounter } from "@tsakt/crdt";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

describe("GCounter", () => {
  it("sums every replica's increments, and a merge keeps each replica's highest count", () => {
    const a = GCounter.empty().increment("a", 3).increment("a");
    const b = GCounter.empty().increment("b", 10n);
    const both = a.merge(b);
    expect(both.value).toBe(14n);
    expect(both.countOf("a")).toBe(4n);
    expect(both.merge(a.increment("a", 2)).value).toBe(16n);
    expect([...both.entries()]).toEqual([
      ["a", 4n],
      ["b", 10n],
    ]);
  });

  it("counts exactly past 2^53 (counts are bigints)", () => {
    const big = GCounter.empty().increment("a", Number.MAX_SAFE_INTEGER).increment("a", 2).increment("b", MAX_COUNT);
    expect(big.value).toBe(BigInt(Number.MAX_SAFE_INTEGER) + 2n + MAX_COUNT);
  });

  it("matches a model: the value after any exchange is the sum of every replica's increments", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom("a", "b", "c"), fc.nat(1000))), (increments) => {
        const replicas = new Map<string, GCounter>();
        for (const [node, n] of increments) replicas.set(node, (replicas.get(node) ?? GCounter.empty()).increment(node, n));
        const merged = [...replicas.values()].reduce((x, y) => x.merge(y), GCounter.empty());
        expect(merged.value).toBe(BigInt(increments.reduce((sum, [, n]) => sum + n, 0)));
      }),
    );
  });

  it("has a delta holding only the replicas that incremented since the last reset", () => {
    const base = GCounter.empty().increment("a", 5).increment("b", 1).resetDelta();
    const next = base.increment("b", 2).increment("b");
    expect([...(next.delta?.entries() ?? [])]).toEqual([["b", 4n]]);
    expect(base.delta).toBeUndefined();
    expect(next.resetDelta().delta).toBeUndefined();
  });

  it("rejects negative, fractional and unsafe amounts, empty node ids and overflow with CrdtArgumentError", () => {
    const c = GCounter.empty();
    for (const bad of [
      () => c.increment("a", -1),
      () => c.increment("a", 1.5),
      () => c.increment("a", 2 ** 53),
      () => c.increment("a", -1n),
    ])
      expect(bad).toThrow(CrdtArgumentError);
    expect(() => c.increment("", 1)).toThrow(/node id/);
    const full = c.increment("a", MAX_COUNT);
    try {
      full.increment("a");
      expect.unreachable();
    } catch (error) {
      expect(isTsaktError(error, "CrdtInvalidArgument")).toBe(true);
      expect((error as Error).message).toContain("2^64-1");
    }
  });
});

describe("PNCounter", () => {
  it("adds increments and subtracts decrements across replicas; a negative increment decrements", () => {
    const a = PNCounter.empty().increment("a", 10).decrement("a", 3);
    const b = PNCounter.empty().increment("b", -5).increment("b", 1n);
    const both = a.merge(b);
    expect(both.value).toBe(3n);
    expect(both.increments.value).toBe(11n);
    expect(both.decrements.value).toBe(8n);
  });

  it("matches a model under concurrent increments and decrements", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom("a", "b", "c", "d", "e"), fc.integer({ min: -100, max: 100 }))), (updates) => {
        const replicas = new Map<string, PNCounter>();
        for (const [node, n] of updates) replicas.set(node, (replicas.get(node) ?? PNCounter.empty()).increment(node, n));
        const merged = [...replicas.values()].reduce((x, y) => x.merge(y), PNCounter.empty());
        expect(merged.value).toBe(BigInt(updates.reduce((sum, [, n]) => sum + n, 0)));
      }),
    );
  });

  it("has a delta with only what changed in either half", () => {
    const base = PNCounter.empty().increment("a", 5).decrement("b", 2).resetDelta();
    const delta = base.decrement("a", 1).delta;
    expect(delta?.increments.value).toBe(0n);
    expect([...(delta?.decrements.entries() ?? [])]).toEqual([["a", 1n]]);
    expect(base.merge(delta ?? PNCounter.empty()).value).toBe(2n);
  });
});

describe("counter construction", () => {
  it("builds a GCounter from per-node counts, keeping the higher count of a node listed twice", () => {
    const c = GCounter.fromEntries([
      ["a", 3n],
      ["b", 0n],
      ["a", 5n],
      ["a", 4n],
    ]);
    expect([...c.entries()]).toEqual([["a", 5n]]);
    expect(String(c)).toBe("GCounter(5)");
    expect(() => GCounter.fromEntries([["a", -1n]])).toThrow(CrdtArgumentError);
    expect(() => GCounter.fromEntries([["", 1n]])).toThrow(CrdtArgumentError);
  });

  it("builds a PNCounter from two GCounters, without their deltas", () => {
    const c = PNCounter.of(GCounter.empty().increment("a", 9), GCounter.empty().increment("b", 2));
    expect(c.value).toBe(7n);
    expect(c.delta).toBeUndefined();
    expect(String(c)).toBe("PNCounter(7)");
  });
});
