/** Bytes of a fresh output chunk; frames are appended until it is full, so a batch costs no allocation. */
const chunkBytes = 64 * 1024;

/** Where a batch of frames goes: a socket or a compression stream. */
export interface ByteSink {
  write(chunk: Buffer): boolean;
  cork(): void;
  uncork(): void;
}

type Utf8Writer = Buffer & { utf8Write(text: string, offset: number, length?: number): number };

/** Thrown inside the codec when a frame grows past its limit; the frame is dropped. */
export class FrameLimitExceeded extends Error {
  constructor(readonly size: number) {
    super(`frame of ${size} bytes`);
  }
}

/**
 * Appends `u32 length | envelope` frames to a chunked buffer and hands out everything written since the last
 * take as slices, without copying. Primitive writes are methods on one monomorphic class so the protobuf codec and
 * the envelope encoder stay allocation-free.
 */
export class FrameWriter {
  buf: Buffer;
  pos = 0;
  /** First byte not yet handed out. */
  private start = 0;
  /** Offset of the open frame's length prefix, or -1. */
  private frameStart = -1;
  /** Slices of earlier chunks not yet handed out. */
  private readonly full: Buffer[] = [];
  private fullBytes = 0;
  /** Frames written since the last take. */
  frames = 0;

  constructor() {
    this.buf = Buffer.allocUnsafeSlow(chunkBytes);
  }

  /** Bytes written and not yet handed out. */
  get pendingBytes(): number {
    return this.fullBytes + this.pos - this.start;
  }

  /** Makes room for `n` more bytes; an open frame moves to the new chunk whole. */
  ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  private grow(n: number): void {
    const from = this.frameStart >= 0 ? this.frameStart : this.pos;
    if (from > this.start) {
      this.full.push(this.buf.subarray(this.start, from));
      this.fullBytes += from - this.start;
    }
    const carry = this.pos - from;
    const next = Buffer.allocUnsafeSlow(Math.max(chunkBytes, (carry + n) * 2));
    if (carry > 0) this.buf.copy(next, 0, from, this.pos);
    this.buf = next;
    this.start = 0;
    this.pos = carry;
    if (this.frameStart >= 0) this.frameStart = 0;
  }

  /** Opens a frame: reserves its length prefix. */
  beginFrame(): void {
    this.ensure(64);
    this.frameStart = this.pos;
    this.pos += 4;
  }

  /** Closes the open frame; throws FrameLimitExceeded (and drops the frame) when it is over `limit`. */
  endFrame(limit: number): number {
    const size = this.pos - this.frameStart - 4;
    if (size > limit) {
      this.abortFrame();
      throw new FrameLimitExceeded(size);
    }
    this.buf.writeUInt32BE(size, this.frameStart);
    this.frameStart = -1;
    this.frames++;
    return size;
  }

  /** Drops the open frame (its message could not be encoded). */
  abortFrame(): void {
    if (this.frameStart < 0) return;
    this.pos = this.frameStart;
    this.frameStart = -1;
  }

  /** Writes everything pending to `sink` (corked when it spans chunks) and returns the sink's write result. */
  drainTo(sink: ByteSink): boolean {
    let ok = true;
    const full = this.full;
    if (full.length > 0) {
      sink.cork();
      for (let i = 0; i < full.length; i++) ok = sink.write(full[i] as Buffer);
      full.length = 0;
      this.fullBytes = 0;
      if (this.pos > this.start) ok = sink.write(this.buf.subarray(this.start, this.pos));
      sink.uncork();
    } else if (this.pos > this.start) {
      ok = sink.write(this.buf.subarray(this.start, this.pos));
    }
    this.start = this.pos;
    this.frames = 0;
    // A nearly full chunk would force the next frame to move anyway; start a fresh one now.
    if (this.buf.length - this.pos < 256) {
      this.buf = Buffer.allocUnsafeSlow(chunkBytes);
      this.start = this.pos = 0;
    }
    return ok;
  }

  /** Forgets everything pending (the peer was given up). */
  discard(): void {
    this.full.length = 0;
    this.fullBytes = 0;
    this.start = this.pos;
    this.frames = 0;
  }

  // ---- length-delimited sections (relative to the open frame, so they survive a chunk change) ----

  /** Reserves one byte for a length prefix; returns a mark for endLength. */
  beginLength(): number {
    this.ensure(1);
    const mark = this.pos - this.frameStart;
    this.pos++;
    return mark;
  }

  /** Writes the length of the section opened at `mark`, widening its prefix when the section reached 128 bytes. */
  endLength(mark: number): void {
    let at = this.frameStart + mark;
    const len = this.pos - at - 1;
    if (len < 0x80) {
      this.buf[at] = len;
      return;
    }
    const size = varintSize(len);
    this.ensure(size - 1);
    at = this.frameStart + mark;
    this.buf.copyWithin(at + size, at + 1, this.pos);
    this.pos += size - 1;
    const end = this.pos;
    this.pos = at;
    this.varint32(len);
    this.pos = end;
  }

  // ---- primitives ----

  /** An unsigned varint of up to 32 bits. */
  varint32(value: number): void {
    this.ensure(5);
    const buf = this.buf;
    let pos = this.pos;
    let v = value >>> 0;
    while (v > 0x7f) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[pos++] = v;
    this.pos = pos;
  }

  /** A signed int32 varint: negative values take ten bytes, as protobuf requires. */
  int32(value: number): void {
    if (value >= 0) this.varint32(value);
    else this.varint64(value, -1);
  }

  /** A varint of a 64-bit value given as two's complement halves. */
  varint64(lo: number, hi: number): void {
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    let l = lo >>> 0;
    let h = hi >>> 0;
    while (h !== 0 || l > 0x7f) {
      buf[pos++] = (l & 0x7f) | 0x80;
      l = ((l >>> 7) | (h << 25)) >>> 0;
      h >>>= 7;
    }
    buf[pos++] = l;
    this.pos = pos;
  }

  fixed32(value: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(value >>> 0, this.pos);
    this.pos += 4;
  }

  sfixed32(value: number): void {
    this.ensure(4);
    this.buf.writeInt32LE(value | 0, this.pos);
    this.pos += 4;
  }

  fixed64(lo: number, hi: number): void {
    this.ensure(8);
    this.buf.writeUInt32LE(lo >>> 0, this.pos);
    this.buf.writeUInt32LE(hi >>> 0, this.pos + 4);
    this.pos += 8;
  }

  float(value: number): void {
    this.ensure(4);
    this.buf.writeFloatLE(value, this.pos);
    this.pos += 4;
  }

  double(value: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  /** A length-prefixed UTF-8 string. */
  string(text: string): void {
    const n = text.length;
    if (n < 43) {
      // At most 126 UTF-8 bytes: a one-byte length prefix is certain, so write first and fill it in.
      this.ensure(1 + n * 3);
      const written = (this.buf as Utf8Writer).utf8Write(text, this.pos + 1);
      this.buf[this.pos] = written;
      this.pos += 1 + written;
      return;
    }
    if (n < 128) {
      // Addresses land here: written after a one-byte prefix, which is right unless non-ASCII text passed 127 bytes;
      // then the bytes move up one for a two-byte prefix (under 128 characters, at most 381 bytes).
      this.ensure(2 + n * 3);
      const at = this.pos;
      const written = (this.buf as Utf8Writer).utf8Write(text, at + 1);
      if (written < 0x80) {
        this.buf[at] = written;
        this.pos = at + 1 + written;
        return;
      }
      this.buf.copyWithin(at + 2, at + 1, at + 1 + written);
      this.buf[at] = (written & 0x7f) | 0x80;
      this.buf[at + 1] = written >>> 7;
      this.pos = at + 2 + written;
      return;
    }
    const bytes = Buffer.byteLength(text, "utf8");
    this.varint32(bytes);
    this.ensure(bytes);
    (this.buf as Utf8Writer).utf8Write(text, this.pos, bytes);
    this.pos += bytes;
  }

  /** Length-prefixed raw bytes. */
  bytes(data: Uint8Array): void {
    this.varint32(data.byteLength);
    this.raw(data);
  }

  /** Raw bytes without a prefix. */
  raw(data: Uint8Array): void {
    const n = data.byteLength;
    this.ensure(n);
    this.buf.set(data, this.pos);
    this.pos += n;
  }
}

/** Bytes a varint of a non-negative 32-bit value takes. */
export function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}
