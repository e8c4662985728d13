import { create, equals, fromBinary, toBinary } from "@bufbuild/protobuf";
import { TimestampSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { FrameWriter } from "../src/wire/frame-writer.js";
import { MessageCodec } from "../src/wire/proto-codec.js";
import { schema, testRegistry } from "./support/schemas.js";

const registry = testRegistry();
const Everything = schema(registry, "testdata.Everything");
const Inner = schema(registry, "testdata.Inner");
const WithStruct = schema(registry, "testdata.WithStruct");

/** Encodes with the fast codec inside a frame and returns the message bytes. */
function fastEncode(codec: MessageCodec, message: object): Buffer {
  const w = new FrameWriter();
  w.beginFrame();
  codec.encode(w, message as never);
  w.endFrame(1 << 30);
  const out: Buffer[] = [];
  w.drainTo({ write: (b) => (out.push(Buffer.from(b)), true), cork() {}, uncork() {} });
  return Buffer.concat(out).subarray(4);
}

/** A seeded generator, so a failure names a reproducible case. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

function randomEverything(r: () => number) {
  const int = (bits: number) => Math.floor(r() * 2 ** bits) - (r() < 0.5 ? 0 : 2 ** (bits - 1));
  const i32 = () => (r() < 0.2 ? 0 : int(31) | 0);
  const u32 = () => (r() < 0.2 ? 0 : Math.floor(r() * 0x100000000) >>> 0);
  const big = () => (r() < 0.2 ? 0n : BigInt.asIntN(64, (BigInt(Math.floor(r() * 2 ** 32)) << 32n) | BigInt(Math.floor(r() * 2 ** 32))));
  const ubig = () => BigInt.asUintN(64, big());
  const text = () =>
    r() < 0.2 ? "" : (["héllo", "x".repeat(Math.floor(r() * 300)), "日本語", "a\u0000b", "😀"][Math.floor(r() * 5)] as string);
  const bytes = () => Uint8Array.from({ length: Math.floor(r() * 200) }, () => Math.floor(r() * 256));
  const inner = (depth = 0): object =>
    create(Inner, { label: text(), n: i32(), ...(depth < 3 && r() < 0.3 ? { next: inner(depth + 1) } : {}) });
  const choices = [
    { case: undefined },
    { case: "choiceText", value: text() },
    { case: "choiceNumber", value: i32() },
    { case: "choiceInner", value: inner() },
    { case: "choiceWrapped", value: create(schema(registry, "google.protobuf.Int32Value"), { value: i32() }) },
  ];
  const m = create(Everything, {
    fDouble: r() < 0.2 ? 0 : (r() - 0.5) * 1e12,
    fFloat: r() < 0.2 ? 0 : Math.fround((r() - 0.5) * 1000),
    fInt64: big(),
    fUint64: ubig(),
    fInt32: i32(),
    fFixed64: ubig(),
    fFixed32: u32(),
    fBool: r() < 0.5,
    fString: text(),
    fBytes: bytes(),
    fUint32: u32(),
    fSfixed32: i32(),
    fSfixed64: big(),
    fSint32: i32(),
    fSint64: big(),
    color: Math.floor(r() * 3),
    packedInts: Array.from({ length: Math.floor(r() * 5) }, i32),
    packedSint64: Array.from({ length: Math.floor(r() * 5) }, big),
    unpackedInts: Array.from({ length: Math.floor(r() * 5) }, i32),
    strings: Array.from({ length: Math.floor(r() * 4) }, text),
    blobs: Array.from({ length: Math.floor(r() * 3) }, bytes),
    inners: Array.from({ length: Math.floor(r() * 3) }, () => inner()),
    colors: Array.from({ length: Math.floor(r() * 4) }, () => Math.floor(r() * 3)),
    doubles: Array.from({ length: Math.floor(r() * 4) }, () => r() * 100),
    labels: Object.fromEntries(Array.from({ length: Math.floor(r() * 4) }, (_, i) => [`k${i}${text()}`, text()])),
    byId: Object.fromEntries(Array.from({ length: Math.floor(r() * 3) }, () => [String(i32()), inner()])),
    flags: Object.fromEntries(Array.from({ length: Math.floor(r() * 3) }, () => [String(r() < 0.5), big()])),
    colored: Object.fromEntries(Array.from({ length: Math.floor(r() * 3) }, () => [String(big()), Math.floor(r() * 3)])),
    blobsById: Object.fromEntries(Array.from({ length: Math.floor(r() * 3) }, () => [String(u32()), bytes()])),
    choice: choices[Math.floor(r() * choices.length)] as never,
    ...(r() < 0.5 ? { maybeInt: r() < 0.3 ? 0 : i32() } : {}),
    ...(r() < 0.5 ? { maybeText: text() } : {}),
    ...(r() < 0.5 ? { wrappedInt: i32() } : {}),
    ...(r() < 0.5 ? { wrappedText: text() } : {}),
    ...(r() < 0.5 ? { wrappedLong: big() } : {}),
    ...(r() < 0.5 ? { at: create(TimestampSchema, { seconds: big(), nanos: Math.floor(r() * 1e9) }) } : {}),
    fInt64Str: String(big()),
    wrappedList: Array.from({ length: Math.floor(r() * 3) }, () =>
      create(schema(registry, "google.protobuf.Int32Value"), { value: i32() }),
    ),
    bigFieldNumber: u32(),
  });
  return m;
}

describe("fast protobuf codec", () => {
  it("writes exactly the bytes protobuf-es writes and reads back equal messages, over 2,000 random messages", () => {
    const codec = MessageCodec.of(Everything);
    expect(codec.fast).toBe(true);
    const r = rng(42);
    for (let i = 0; i < 2000; i++) {
      const m = randomEverything(r);
      const reference = Buffer.from(toBinary(Everything, m));
      const fast = fastEncode(codec, m);
      expect(fast.equals(reference), `case ${i}`).toBe(true);
      const decoded = codec.decode(reference, 0, reference.length);
      expect(equals(Everything, decoded as never, fromBinary(Everything, reference)), `case ${i}`).toBe(true);
      expect(decoded).toEqual(fromBinary(Everything, new Uint8Array(reference)));
    }
  });

  it("keeps unknown fields and non-canonical input exactly as protobuf-es does", () => {
    const codec = MessageCodec.of(Inner);
    // Field 99 is unknown to Inner; a varint of 2 is written with a redundant continuation byte.
    const bytes = Buffer.from([0x10, 0x82, 0x00, 0x98, 0x06, 0x07]);
    const decoded = codec.decode(bytes, 0, bytes.length);
    expect(decoded).toEqual(fromBinary(Inner, bytes));
    expect(fastEncode(codec, decoded).equals(Buffer.from(toBinary(Inner, decoded)))).toBe(true);
  });

  it("merges a repeated message field and reads unpacked input of a packed field", () => {
    const codec = MessageCodec.of(Everything);
    const a = toBinary(Everything, create(Everything, { inner: { label: "a" }, packedInts: [1] }));
    const b = toBinary(Everything, create(Everything, { inner: { n: 7 } }));
    // Field 21 (packed_ints) sent unpacked: tag 21<<3|0, value 5.
    const both = Buffer.concat([a, b, Buffer.from([0xa8, 0x01, 0x05])]);
    expect(codec.decode(both, 0, both.length)).toEqual(fromBinary(Everything, both));
  });

  it("leaves schemas with google.protobuf.Struct fields to protobuf-es", () => {
    const codec = MessageCodec.of(WithStruct);
    expect(codec.fast).toBe(false);
    const m = create(WithStruct, { name: "x", data: { a: 1, b: [true, null, "s"] } });
    const bytes = Buffer.from(toBinary(WithStruct, m));
    expect(fastEncode(codec, m).equals(bytes)).toBe(true);
    expect(codec.decode(bytes, 0, bytes.length)).toEqual(m);
  });

  it("rejects values of the wrong type instead of writing garbage", () => {
    const codec = MessageCodec.of(Inner);
    const bad = create(Inner, { label: "x" });
    (bad as unknown as { n: unknown }).n = 1.5;
    expect(() => fastEncode(codec, bad)).toThrow(/int32/);
  });

  it("fails on malformed bytes the way protobuf-es fails", () => {
    const codec = MessageCodec.of(Everything);
    const garbage = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]);
    expect(() => codec.decode(garbage, 0, garbage.length)).toThrow();
  });
});
