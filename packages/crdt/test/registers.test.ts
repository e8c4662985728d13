import { CrdtArgumentError, compareScalars, defaultLwwClock, Flag, LWWRegister, MVRegister, reverseLwwClock } from "@tsakt/crdt";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scalar } from "./specs.js";

describe("LWWRegister", () => {
  it("keeps the write with the higher timestamp from the clock it is given", () => {
    const first = LWWRegister.create("a", "first", () => 100);
    const second = first.set("b", "second", (current) => current + 1);
    expect(second.timestamp).toBe(101);
    expect(first.merge(second).value).toBe("second");
    expect(second.merge(first).value).toBe("second");
  });

  it("breaks a tie of timestamps by the greater node id, the same on every replica", () => {
    const fromA = LWWRegister.write("node-a", "from a", 5);
    const fromB = LWWRegister.write("node-b", "from b", 5);
    expect(fromA.merge(fromB).node).toBe("node-b");
    expect(fromB.merge(fromA).node).toBe("node-b");
  });

  it("breaks a tie of timestamp and node by the greater value, so a clock that stood still still converges", () => {
    const x = LWWRegister.write("a", "x", 7);
    const y = LWWRegister.write("a", "y", 7);
    expect(x.merge(y).value).toBe("y");
    expect(y.merge(x).value).toBe("y");
  });

  it("lets the default clock move forward even when the wall clock is behind the register", () => {
    const future = LWWRegister.write("a", 1, Date.now() + 60_000);
    const next = future.set("b", 2);
    expect(next.timestamp).toBe(future.timestamp + 1);
    expect(future.merge(next).value).toBe(2);
    expect(defaultLwwClock(0)).toBeGreaterThan(0);
  });

  it("makes the first write win with the reverse clock", () => {
    const first = LWWRegister.create("a", "first", reverseLwwClock);
    const later = LWWRegister.create("b", "later", () => reverseLwwClock(0) - 1000);
    expect(first.merge(later).value).toBe("first");
  });

  it("holds every scalar kind, and copies bytes so the caller may reuse its buffer", () => {
    fc.assert(
      fc.property(scalar, (v) => {
        expect(LWWRegister.create("a", v).value).toEqual(v);
      }),
    );
    const buffer = new Uint8Array([1, 2, 3]);
    const r = LWWRegister.create("a", buffer);
    buffer[0] = 9;
    expect(r.value).toEqual(new Uint8Array([1, 2, 3]));
    const nodeBuffer = Buffer.from([4, 5]);
    const fromBuffer = LWWRegister.create("a", nodeBuffer);
    const mv = MVRegister.empty().set("a", nodeBuffer);
    nodeBuffer[0] = 0;
    expect([...(fromBuffer.value as Uint8Array)]).toEqual([4, 5]);
    expect([...(mv.value[0] as Uint8Array)]).toEqual([4, 5]);
  });

  it("rejects a clock that returns no safe integer, unsupported values and bigints beyond 64 bits", () => {
    expect(() => LWWRegister.create("a", "v", () => 1.5)).toThrow(CrdtArgumentError);
    expect(() => LWWRegister.create("a", "v", () => Number.NaN)).toThrow(/clock/);
    expect(() => LWWRegister.create("a", { x: 1 } as never)).toThrow(/serialize other values/);
    expect(() => LWWRegister.create("a", 1n << 63n)).toThrow(/64-bit/);
    expect(() => LWWRegister.create("", "v")).toThrow(CrdtArgumentError);
  });
});

describe("MVRegister", () => {
  it("keeps concurrent writes side by side until a write that saw them replaces them", () => {
    const a = MVRegister.empty().set("a", "red");
    const b = MVRegister.empty().set("b", "blue");
    const both = a.merge(b);
    expect(both.value).toEqual(["blue", "red"]);
    const resolved = both.set("a", "purple");
    expect(resolved.value).toEqual(["purple"]);
    expect(resolved.merge(b).value).toEqual(["purple"]);
    expect(b.merge(resolved).value).toEqual(["purple"]);
  });

  it("shows a value written concurrently with a clear", () => {
    const shared = MVRegister.empty().set("a", 1);
    const cleared = shared.clear();
    const rewritten = shared.set("b", 2);
    expect(cleared.value).toEqual([]);
    expect(cleared.merge(rewritten).value).toEqual([2]);
  });

  it("lists equal concurrent values once, sorted by kind then value", () => {
    const r = MVRegister.empty().set("a", "same").merge(MVRegister.empty().set("b", "same")).merge(MVRegister.empty().set("c", 3));
    expect(r.value).toEqual(["same", 3]);
  });
});

describe("Flag", () => {
  it("stays enabled once any replica enabled it", () => {
    const off = Flag.empty();
    const on = off.enable();
    expect(off.value).toBe(false);
    expect(on.merge(off).enabled).toBe(true);
    expect(off.merge(on).enabled).toBe(true);
    expect(off.merge(off).enabled).toBe(false);
  });
});

describe("compareScalars", () => {
  it("is a total order that agrees with equality, with NaN last among numbers and -0 before 0", () => {
    const sign = (n: number) => Math.sign(n);
    fc.assert(
      fc.property(scalar, scalar, scalar, (a, b, c) => {
        expect(sign(compareScalars(a, b)) === -sign(compareScalars(b, a)), "antisymmetric").toBe(true);
        expect(compareScalars(a, a)).toBe(0);
        if (compareScalars(a, b) <= 0 && compareScalars(b, c) <= 0) expect(compareScalars(a, c)).toBeLessThanOrEqual(0);
      }),
      { numRuns: 2000 },
    );
    expect([0, Number.NaN, -0, -1, Number.POSITIVE_INFINITY].sort(compareScalars)).toEqual([
      -1,
      -0,
      0,
      Number.POSITIVE_INFINITY,
      Number.NaN,
    ]);
    expect(["b", 1, true, 2n, new Uint8Array([1]), "a", false].sort(compareScalars)).toEqual([
      "a",
      "b",
      1,
      false,
      true,
      2n,
      new Uint8Array([1]),
    ]);
  });
});
