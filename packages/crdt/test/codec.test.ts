import { create, toBinary } from "@bufbuild/protobuf";
import { isTsaktError } from "@tsakt/actor";
import {
  type Crdt,
  CrdtDecodeError,
  CrdtTypeMismatchError,
  Deleted,
  decodeReplicatedValue,
  encodeReplicatedValue,
  fromProto,
  GCounter,
  isDeltaCrdt,
  MAX_NESTING,
  mergeReplicated,
  ORMap,
  ORSet,
  PNCounter,
  ReplicatedValueSchema,
  toProto,
} from "@tsakt/crdt";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { run, steps } from "./simulation.js";
import { allSpecs } from "./specs.js";

type Init = Parameters<typeof create<typeof ReplicatedValueSchema>>[1];

/** The decode error for `bytes`, or undefined when they decode. */
function decodeError(bytes: Uint8Array): unknown {
  try {
    decodeReplicatedValue(bytes);
    return undefined;
  } catch (error) {
    return error;
  }
}

function expectDecodeError(init: Init, message: RegExp): void {
  const bytes = toBinary(ReplicatedValueSchema, create(ReplicatedValueSchema, init));
  const error = decodeError(bytes);
  expect(error, `expected ${message} to be rejected`).toBeInstanceOf(CrdtDecodeError);
  expect(isTsaktError(error, "CrdtDecode")).toBe(true);
  expect((error as Error).message).toMatch(message);
}

describe.each(allSpecs.map((spec) => [spec.name, spec] as const))("%s wire form", (_name, spec) => {
  it("round-trips every reachable value and delta through bytes, and re-encodes to the same bytes", () => {
    fc.assert(
      fc.property(steps(spec), fc.string({ maxLength: 8 }), (history, key) => {
        const { states } = run(spec, history);
        const values: Crdt[] = [...states];
        for (const s of states) if (isDeltaCrdt(s) && s.delta !== undefined) values.push(s.delta);
        for (const value of values) {
          const bytes = encodeReplicatedValue(key, value);
          const decoded = decodeReplicatedValue(bytes);
          expect(decoded.key).toBe(key);
          expect(decoded.data.type).toBe(value.type);
          expect((value.equals as (o: Crdt) => boolean)(decoded.data as Crdt), `${value}`).toBe(true);
          expect(encodeReplicatedValue(key, decoded.data)).toEqual(bytes);
          expect(fromProto(toProto(key, value)).data.equals(value as never)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("rejects damaged bytes with CrdtDecodeError and nothing else", () => {
    fc.assert(
      fc.property(steps(spec, 10), fc.nat(), fc.integer({ min: 0, max: 255 }), (history, at, byte) => {
        const [value] = run(spec, history).states as [Crdt];
        const bytes = encodeReplicatedValue("k", value);
        const damaged = bytes.slice();
        if (damaged.length > 0) damaged[at % damaged.length] = byte;
        for (const candidate of [damaged, bytes.subarray(0, at % (bytes.length + 1))]) {
          const error = decodeError(candidate);
          if (error !== undefined) expect(error).toBeInstanceOf(CrdtDecodeError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("the wire form", () => {
  it("turns random bytes into a value or a CrdtDecodeError, never another error", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const error = decodeError(bytes);
        if (error !== undefined) expect(error).toBeInstanceOf(CrdtDecodeError);
      }),
      { numRuns: 2000 },
    );
    expect(decodeError(new Uint8Array([0xff, 0xff, 0xff]))).toBeInstanceOf(CrdtDecodeError);
  });

  it("carries the tombstone, which wins every merge", () => {
    const decoded = decodeReplicatedValue(encodeReplicatedValue("gone", Deleted.instance));
    expect(decoded).toEqual({ key: "gone", data: Deleted.instance });
    const counter = GCounter.empty().increment("a");
    expect(mergeReplicated(counter, Deleted.instance)).toBe(Deleted.instance);
    expect(mergeReplicated(Deleted.instance, counter)).toBe(Deleted.instance);
    expect(() => mergeReplicated(counter, ORSet.empty(), 'key "hits"')).toThrow(CrdtTypeMismatchError);
    expect(() => mergeReplicated(counter, ORSet.empty(), 'key "hits"')).toThrow(/key "hits"/);
  });

  it("encodes equal values to equal bytes whatever order their updates were merged in", () => {
    const a = ORSet.empty().add("a", "x").add("a", "y");
    const b = ORSet.empty().add("b", "z").add("b", "x");
    const c = ORSet.empty().add("c", "w").remove("w");
    expect(encodeReplicatedValue("k", a.merge(b).merge(c))).toEqual(encodeReplicatedValue("k", c.merge(b).merge(a)));
  });

  it("decodes MAX_NESTING nested ORMaps and refuses one more", () => {
    let value: ORMap = ORMap.empty().put("a", "leaf", GCounter.empty().increment("a"));
    for (let i = 1; i < MAX_NESTING; i++) value = ORMap.empty().put("a", "inner", value);
    expect(decodeReplicatedValue(encodeReplicatedValue("k", value)).data.equals(value as never)).toBe(true);
    const deeper = ORMap.empty().put("a", "inner", value);
    expect(decodeError(encodeReplicatedValue("k", deeper))).toBeInstanceOf(CrdtDecodeError);
    expect((decodeError(encodeReplicatedValue("k", deeper)) as Error).message).toMatch(/nest deeper than 16/);
  });

  it("survives bytes nested thousands of levels deep without a crash", () => {
    // ReplicatedValue.or_map (6) → ORMap.entries (2) → ORMapEntry.value (3) → ReplicatedValue ..., built inside out.
    let bytes = new Uint8Array(0);
    const wrap = (field: number, inner: Uint8Array) => {
      const len: number[] = [];
      for (let n = inner.length; ; n >>>= 7) {
        if (n < 0x80) {
          len.push(n);
          break;
        }
        len.push((n & 0x7f) | 0x80);
      }
      // set() copies with memcpy; spreading 9,000 ever longer arrays took seconds (tens of seconds on a loaded machine).
      const out = new Uint8Array(1 + len.length + inner.length);
      out[0] = (field << 3) | 2;
      out.set(len, 1);
      out.set(inner, 1 + len.length);
      return out;
    };
    for (let i = 0; i < 3000; i++) bytes = wrap(6, wrap(2, wrap(3, bytes)));
    expect(decodeError(bytes)).toBeInstanceOf(CrdtDecodeError);
  });

  it("names what is wrong in a message that breaks the types' invariants", () => {
    const dot = (node: number, counter: bigint) => ({ node, counter });
    const ctx = { versions: [dot(0, 2n)] };
    expectDecodeError({ key: "k" }, /key "k" has no data/);
    expectDecodeError({ data: { case: "gCounter", value: { entries: [{ node: "", count: 1n }] } } }, /without a node id/);
    expectDecodeError(
      {
        data: {
          case: "gCounter",
          value: {
            entries: [
              { node: "a", count: 1n },
              { node: "a", count: 2n },
            ],
          },
        },
      },
      /two entries/,
    );
    expectDecodeError({ data: { case: "lwwRegister", value: { node: "a", timestamp: 1n } } }, /has no value/);
    expectDecodeError(
      { data: { case: "lwwRegister", value: { node: "a", timestamp: 1n << 60n, value: { kind: { case: "text", value: "v" } } } } },
      /not a safe integer/,
    );
    const orSet = (value: object) => ({ data: { case: "orSet" as const, value } });
    expectDecodeError(orSet({ nodes: ["a"], elements: [{ value: "x", dots: [dot(1, 1n)] }], context: ctx }), /node index 1 outside/);
    expectDecodeError(orSet({ nodes: ["a"], elements: [{ value: "x", dots: [dot(0, 0n)] }], context: ctx }), /counter 0/);
    expectDecodeError(orSet({ nodes: ["a"], elements: [{ value: "x", dots: [dot(0, 3n)] }], context: ctx }), /outside its causal context/);
    expectDecodeError(
      orSet({
        nodes: ["a"],
        elements: [
          { value: "x", dots: [dot(0, 1n)] },
          { value: "y", dots: [dot(0, 1n)] },
        ],
        context: ctx,
      }),
      /twice/,
    );
    expectDecodeError(
      orSet({
        nodes: ["a"],
        elements: [
          { value: "x", dots: [dot(0, 1n)] },
          { value: "x", dots: [dot(0, 2n)] },
        ],
        context: ctx,
      }),
      /element "x" twice/,
    );
    expectDecodeError(orSet({ nodes: ["a"], elements: [{ value: "x", dots: [] }], context: ctx }), /has no dots/);
    expectDecodeError(orSet({ nodes: ["a", "a"], elements: [], context: ctx }), /repeated node id/);
    expectDecodeError(orSet({ nodes: ["a"], elements: [], context: { versions: [dot(0, 1n), dot(0, 2n)] } }), /two context versions/);
    const counter = toProto("", GCounter.empty().increment("a"));
    const flag = toProto("", Deleted.instance);
    const orMap = (entries: object[]) => ({ data: { case: "orMap" as const, value: { nodes: ["a"], entries, context: ctx } } });
    expectDecodeError(orMap([{ key: "k", dot: dot(0, 1n) }]), /without a value/);
    expectDecodeError(orMap([{ key: "k", dot: dot(0, 1n), value: flag }]), /tombstone/);
    expectDecodeError(
      orMap([
        { key: "k", dot: dot(0, 1n), value: counter },
        { key: "k", dot: dot(0, 2n), value: toProto("", PNCounter.empty()) },
      ]),
      /different types/,
    );
    expectDecodeError(
      { data: { case: "mvRegister", value: { nodes: ["a"], entries: [{ dot: dot(0, 1n) }], context: ctx } } },
      /has no value/,
    );
  });
});
