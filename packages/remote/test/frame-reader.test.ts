// FrameReader edge cases the stream tests in wire.test.ts reach only by chance: tiny frames cut at every point,
// the limit changed after the handshake, and what stop() leaves for takeRest().
import { describe, expect, it } from "vitest";
import { FrameReader } from "../src/wire/frame-reader.js";

function withHeader(size: number, fill: number): Buffer {
  const out = Buffer.alloc(4 + size, fill);
  out.writeUInt32BE(size, 0);
  return out;
}

/** A reader that records each frame's body as hex, and the oversize reports. */
function recording(limit: number, stopOn?: (body: string) => boolean) {
  const frames: string[] = [];
  const oversize: number[] = [];
  const reader: FrameReader = new FrameReader(limit, {
    onFrame: (buf, start, end) => {
      const body = buf.subarray(start, end).toString("hex");
      frames.push(body);
      if (stopOn?.(body)) reader.stop();
    },
    onOversize: (size) => oversize.push(size),
  });
  return { reader, frames, oversize };
}

describe("frame reader", () => {
  it("reads frames of 0 to 5 bytes whatever two points the stream is cut at (header and body split anyhow)", () => {
    const sizes = [0, 1, 2, 3, 4, 5, 0];
    const stream = Buffer.concat(sizes.map((size, i) => withHeader(size, i + 1)));
    const want = sizes.map((size, i) => Buffer.alloc(size, i + 1).toString("hex"));
    for (let a = 0; a <= stream.length; a++)
      for (let b = a; b <= stream.length; b++) {
        const { reader, frames } = recording(1024);
        for (const piece of [stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)]) reader.push(piece);
        if (frames.join(",") !== want.join(",")) throw new Error(`cut at ${a} and ${b}: got [${frames}], want [${want}]`);
        expect(reader.buffered).toBe(0);
      }
  });

  it("hands out an empty frame as soon as its split header is complete", () => {
    const { reader, frames } = recording(1024);
    const empty = withHeader(0, 0);
    reader.push(empty.subarray(0, 2));
    expect(frames).toEqual([]);
    reader.push(empty.subarray(2));
    expect(frames).toEqual([""]);
  });

  it("applies a limit changed after the handshake", () => {
    const { reader, frames, oversize } = recording(16);
    reader.setLimit(100);
    reader.push(withHeader(100, 1));
    expect(frames).toHaveLength(1);
    reader.setLimit(50);
    reader.push(withHeader(51, 1));
    expect(oversize).toEqual([51]);
  });

  it("reads nothing more after a split oversized header, not even a valid frame", () => {
    const { reader, frames, oversize } = recording(8);
    const big = withHeader(9, 1);
    reader.push(big.subarray(0, 2));
    reader.push(big.subarray(2, 4));
    expect(oversize).toEqual([9]);
    reader.push(withHeader(1, 2));
    reader.push(withHeader(1, 3));
    expect(frames).toEqual([]);
  });

  it("stops inside a chunk of whole frames: the frames after the stop are left for takeRest", () => {
    const { reader, frames } = recording(1024, (body) => body === "0101");
    const rest = Buffer.concat([withHeader(1, 2), withHeader(3, 3)]);
    reader.push(Buffer.concat([withHeader(2, 1), rest]));
    expect(frames).toEqual(["0101"]);
    expect(reader.takeRest()?.equals(rest)).toBe(true);
  });

  it("leaves nothing for takeRest when the stopping frame ends its chunk, whole or completed from buffered parts", () => {
    for (const cut of [0, 3, 5]) {
      const { reader, frames } = recording(1024, () => true);
      const frame = withHeader(2, 1);
      if (cut > 0) reader.push(frame.subarray(0, cut));
      reader.push(frame.subarray(cut));
      expect(frames).toEqual(["0101"]);
      expect(reader.takeRest()).toBeUndefined();
      // Later bytes are kept, not read.
      reader.push(withHeader(1, 2));
      expect(frames).toEqual(["0101"]);
      expect(reader.takeRest()?.equals(withHeader(1, 2))).toBe(true);
    }
  });

  it("gives the buffered part of an unfinished frame back through takeRest, with what came after the stop", () => {
    const frame = withHeader(6, 4);
    for (const cut of [2, 7]) {
      const { reader, frames } = recording(1024);
      reader.push(frame.subarray(0, cut));
      expect(reader.buffered).toBe(cut);
      reader.stop();
      reader.push(frame.subarray(cut));
      const back = reader.takeRest();
      expect(back?.equals(frame)).toBe(true);
      expect(reader.buffered).toBe(0);
      expect(frames).toEqual([]);
      expect(reader.takeRest()).toBeUndefined();
    }
    const { reader } = recording(1024);
    reader.push(frame.subarray(0, 5));
    reader.stop();
    expect(reader.takeRest()?.equals(frame.subarray(0, 5))).toBe(true);
    expect(reader.buffered).toBe(0);
  });
});
