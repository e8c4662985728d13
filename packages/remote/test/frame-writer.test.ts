// FrameWriter on its own: the frame limit, dropped frames, what is pending, and how a batch reaches the sink.
// wire.test.ts checks that what it writes reads back; these check the bookkeeping around the bytes.
import { describe, expect, it } from "vitest";
import { FrameLimitExceeded, FrameWriter, varintSize } from "../src/wire/frame-writer.js";

/** Reads the unsigned varint at `at` in `buf`: its value and the bytes it took. */
function readVarint(buf: Buffer, at: number): { value: number; size: number } {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    const byte = buf[at + i] as number;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if (byte < 0x80) return { value, size: i + 1 };
  }
  throw new Error("varint longer than 5 bytes");
}

/** A sink that records every call, answering each write with `accept`. */
function recordingSink(accept = true) {
  const calls: string[] = [];
  const chunks: Buffer[] = [];
  return {
    calls,
    chunks,
    bytes: () => Buffer.concat(chunks),
    write(chunk: Buffer) {
      calls.push(`write ${chunk.length}`);
      chunks.push(Buffer.from(chunk));
      return accept;
    },
    cork: () => void calls.push("cork"),
    uncork: () => void calls.push("uncork"),
  };
}

/** The bodies of the `u32 length | body` frames in `stream`; throws when the stream does not end on a frame boundary. */
function framesOf(stream: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < stream.length) {
    const size = stream.readUInt32BE(at);
    if (at + 4 + size > stream.length) throw new Error(`frame at ${at} of ${size} bytes runs past the stream`);
    out.push(stream.subarray(at + 4, at + 4 + size));
    at += 4 + size;
  }
  return out;
}

function frame(w: FrameWriter, body: Buffer, limit = 1 << 30): number {
  w.beginFrame();
  w.raw(body);
  return w.endFrame(limit);
}

describe("frame writer", () => {
  it("passes a frame of exactly its limit and drops one a byte over, keeping the frames around it", () => {
    const w = new FrameWriter();
    expect(frame(w, Buffer.alloc(10, 1), 10)).toBe(10);
    w.beginFrame();
    w.raw(Buffer.alloc(11, 2));
    let thrown: unknown;
    try {
      w.endFrame(10);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(FrameLimitExceeded);
    expect((thrown as FrameLimitExceeded).size).toBe(11);
    expect((thrown as FrameLimitExceeded).message).toBe("frame of 11 bytes");
    expect(frame(w, Buffer.alloc(3, 3), 10)).toBe(3);
    expect(w.frames).toBe(2);
    expect(w.pendingBytes).toBe(4 + 10 + 4 + 3);
    const sink = recordingSink();
    w.drainTo(sink);
    expect(framesOf(sink.bytes())).toEqual([Buffer.alloc(10, 1), Buffer.alloc(3, 3)]);
  });

  it("drops only the open frame on abortFrame, and does nothing when no frame is open", () => {
    const w = new FrameWriter();
    w.abortFrame();
    // A frame open at the chunk's first byte.
    w.beginFrame();
    w.raw(Buffer.from("gone"));
    w.abortFrame();
    frame(w, Buffer.from("first"));
    w.beginFrame();
    w.raw(Buffer.from("dropped"));
    w.abortFrame();
    w.abortFrame();
    frame(w, Buffer.from("second"));
    w.abortFrame();
    expect(w.frames).toBe(2);
    expect(w.pendingBytes).toBe(4 + 5 + 4 + 6);
    const sink = recordingSink();
    w.drainTo(sink);
    expect(framesOf(sink.bytes()).map(String)).toEqual(["first", "second"]);
  });

  it("counts what is pending across chunks, hands it out once, and forgets it on discard", () => {
    const w = new FrameWriter();
    const big = Buffer.alloc(50_000, 7);
    // Something handed out first, so the chunk's unsent part does not start at 0.
    frame(w, Buffer.from("before"));
    w.drainTo(recordingSink());
    for (let i = 0; i < 3; i++) frame(w, big);
    expect(w.frames).toBe(3);
    expect(w.pendingBytes).toBe(3 * (4 + big.length));
    const sink = recordingSink();
    expect(w.drainTo(sink)).toBe(true);
    expect(sink.bytes().length).toBe(3 * (4 + big.length));
    expect(w.pendingBytes).toBe(0);
    expect(w.frames).toBe(0);
    // Nothing is handed out twice.
    const again = recordingSink();
    w.drainTo(again);
    expect(again.calls).toEqual([]);

    for (let i = 0; i < 3; i++) frame(w, big);
    w.discard();
    expect(w.pendingBytes).toBe(0);
    expect(w.frames).toBe(0);
    frame(w, Buffer.from("after"));
    const after = recordingSink();
    w.drainTo(after);
    expect(framesOf(after.bytes()).map(String)).toEqual(["after"]);
  });

  it("corks the sink around a batch that spans chunks, writes a one-chunk batch bare, and returns the sink's answer", () => {
    const w = new FrameWriter();
    const big = Buffer.alloc(50_000, 7);
    frame(w, big);
    frame(w, big);
    const spanning = recordingSink(false);
    expect(w.drainTo(spanning)).toBe(false);
    expect(spanning.calls).toEqual(["cork", `write ${4 + big.length}`, `write ${4 + big.length}`, "uncork"]);
    const both = framesOf(spanning.bytes());
    expect(both.length === 2 && both.every((f) => f.equals(big))).toBe(true);

    frame(w, Buffer.from("small"));
    const bare = recordingSink(false);
    expect(w.drainTo(bare)).toBe(false);
    expect(bare.calls).toEqual(["write 9"]);
    expect(w.drainTo(recordingSink(false))).toBe(true);

    // A first frame larger than a chunk moves whole into a bigger one: nothing before it to hand out, no cork.
    const fresh = new FrameWriter();
    frame(fresh, Buffer.alloc(100_000, 9));
    const single = recordingSink();
    fresh.drainTo(single);
    expect(single.calls).toEqual(["write 100004"]);
  });

  it("moves a frame that is open when its chunk fills to the next chunk whole, nested lengths included", () => {
    const w = new FrameWriter();
    frame(w, Buffer.alloc(60_000, 1));
    w.beginFrame();
    w.raw(Buffer.from([0x0a]));
    const mark = w.beginLength();
    w.raw(Buffer.alloc(10_000, 2));
    w.endLength(mark);
    w.endFrame(1 << 30);
    const sink = recordingSink();
    w.drainTo(sink);
    const frames = framesOf(sink.bytes());
    expect(frames.length).toBe(2);
    expect(frames[0]?.equals(Buffer.alloc(60_000, 1))).toBe(true);
    // Field 1, length 10000 as a two-byte varint, then the bytes.
    expect(frames[1]?.subarray(0, 3)).toEqual(Buffer.from([0x0a, 0x90, 0x4e]));
    expect(frames[1]?.subarray(3).equals(Buffer.alloc(10_000, 2))).toBe(true);
  });

  it("sizes varints at each 7-bit boundary", () => {
    const boundaries = [0x80, 0x4000, 0x200000, 0x10000000];
    expect(varintSize(0)).toBe(1);
    boundaries.forEach((b, i) => {
      expect(varintSize(b - 1), `${b - 1}`).toBe(i + 1);
      expect(varintSize(b), `${b}`).toBe(i + 2);
    });
    expect(varintSize(0xffffffff)).toBe(5);
  });

  it("writes a nested section's length in as many bytes as it needs, at each boundary", () => {
    for (const len of [0, 1, 126, 127, 128, 16_382, 16_383, 2_097_150, 2_097_151]) {
      const w = new FrameWriter();
      w.beginFrame();
      w.raw(Buffer.from([0x0a]));
      const mark = w.beginLength();
      w.raw(Buffer.alloc(len, 5));
      w.raw(Buffer.from([0xee]));
      w.endLength(mark);
      w.raw(Buffer.from([0x77]));
      w.endFrame(1 << 30);
      const sink = recordingSink();
      w.drainTo(sink);
      const [body] = framesOf(sink.bytes()) as [Buffer];
      const prefix = readVarint(body, 1);
      expect(prefix, `section of ${len + 1} bytes`).toEqual({ value: len + 1, size: varintSize(len + 1) });
      expect(body.length).toBe(1 + prefix.size + len + 2);
      expect(body[1 + prefix.size + len]).toBe(0xee);
      expect(body[body.length - 1]).toBe(0x77);
    }
  });

  it("writes varints in the fewest bytes, and a negative int32 in ten", () => {
    const bytesOf = (write: (w: FrameWriter) => void): number[] => {
      const w = new FrameWriter();
      w.beginFrame();
      write(w);
      w.endFrame(1 << 30);
      const sink = recordingSink();
      w.drainTo(sink);
      return [...sink.bytes().subarray(4)];
    };
    expect(bytesOf((w) => w.varint32(0))).toEqual([0x00]);
    expect(bytesOf((w) => w.varint32(0x7f))).toEqual([0x7f]);
    expect(bytesOf((w) => w.varint32(0x80))).toEqual([0x80, 0x01]);
    expect(bytesOf((w) => w.varint32(0xffffffff))).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(bytesOf((w) => w.int32(0))).toEqual([0x00]);
    expect(bytesOf((w) => w.int32(-1))).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(bytesOf((w) => w.varint64(0x7f, 0))).toEqual([0x7f]);
    expect(bytesOf((w) => w.varint64(0x80, 0))).toEqual([0x80, 0x01]);
    // 2^32: the high half alone.
    expect(bytesOf((w) => w.varint64(0, 1))).toEqual([0x80, 0x80, 0x80, 0x80, 0x10]);
  });

  it("starts a frame in a new chunk when the current one has no room left for it", () => {
    const w = new FrameWriter();
    const body = Buffer.alloc(65_500, 4);
    for (let i = 0; i < 3; i++) frame(w, body);
    expect(w.pendingBytes).toBe(3 * 65_504);
    const sink = recordingSink();
    w.drainTo(sink);
    const frames = framesOf(sink.bytes());
    expect(frames.length === 3 && frames.every((f) => f.equals(body))).toBe(true);
  });

  it("writes fixed-width numbers little-endian and bytes with their length", () => {
    const w = new FrameWriter();
    w.beginFrame();
    w.fixed32(0xdeadbeef);
    w.sfixed32(-2);
    w.fixed64(0x01020304, 0x05060708);
    w.float(1.5);
    w.double(-0.25);
    w.bytes(new Uint8Array([9, 8, 7]));
    w.endFrame(1 << 30);
    const sink = recordingSink();
    w.drainTo(sink);
    const body = framesOf(sink.bytes())[0] as Buffer;
    const want = Buffer.alloc(4 + 4 + 8 + 4 + 8);
    want.writeUInt32LE(0xdeadbeef, 0);
    want.writeInt32LE(-2, 4);
    want.writeUInt32LE(0x01020304, 8);
    want.writeUInt32LE(0x05060708, 12);
    want.writeFloatLE(1.5, 16);
    want.writeDoubleLE(-0.25, 20);
    expect([...body]).toEqual([...want, 3, 9, 8, 7]);
  });

  it("writes strings with the shortest length prefix, also where the chunk is about to end", () => {
    const cases = [
      "日".repeat(42), // 126 bytes: the short path's largest
      "ä".repeat(64), // 64 characters, 128 bytes: the address path's two-byte prefix
      "a".repeat(127),
      "日".repeat(100), // 300 bytes
      "é".repeat(300),
      "x".repeat(20_000), // a three-byte prefix
    ];
    for (const text of cases) {
      for (const free of [10, 50, 200, 70_000]) {
        const w = new FrameWriter();
        w.beginFrame();
        const filler = Math.max(0, 65_536 - 4 - free);
        w.raw(Buffer.alloc(filler, 1));
        w.string(text);
        w.endFrame(1 << 30);
        const sink = recordingSink();
        w.drainTo(sink);
        const body = framesOf(sink.bytes())[0] as Buffer;
        const bytes = Buffer.from(text, "utf8");
        const prefix = readVarint(body, filler);
        const what = `${text.length} × ${text[0]}, ${free} bytes free`;
        expect(prefix, what).toEqual({ value: bytes.length, size: varintSize(bytes.length) });
        expect(body.length, what).toBe(filler + prefix.size + bytes.length);
        expect(body.subarray(filler + prefix.size).equals(bytes), what).toBe(true);
      }
    }
  });
});
