/** Receives whole frames from a FrameReader: the envelope is buf[start, end). */
export interface FrameSink {
  onFrame(buf: Buffer, start: number, end: number): void;
  /** A frame header announced `size` bytes, over the limit; the reader stops. */
  onOversize(size: number): void;
}

/**
 * Splits a byte stream into `u32 length | envelope` frames. Whole frames inside a chunk are handed out in place;
 * only a frame that spans chunks is copied, once, when its last byte arrives. A header over the limit is reported
 * before anything is buffered for it.
 */
export class FrameReader {
  private parts: Buffer[] = [];
  private partBytes = 0;
  /** Total bytes (header included) of the frame being assembled, or -1 while its header is incomplete. */
  private need = -1;
  private stopped = false;
  private rest: Buffer | undefined = undefined;

  constructor(
    private limit: number,
    private readonly sink: FrameSink,
  ) {}

  /** Changes the frame size limit (after the handshake). */
  setLimit(limit: number): void {
    this.limit = limit;
  }

  /** Stops handing out frames; bytes after the current frame are kept for takeRest(). */
  stop(): void {
    this.stopped = true;
  }

  /** Bytes that arrived after stop(), or undefined. */
  takeRest(): Buffer | undefined {
    const rest = this.rest;
    this.rest = undefined;
    if (this.partBytes > 0) {
      const joined = Buffer.concat(rest === undefined ? this.parts : [...this.parts, rest]);
      this.parts = [];
      this.partBytes = 0;
      this.need = -1;
      return joined;
    }
    return rest;
  }

  /** Bytes held for an incomplete frame. */
  get buffered(): number {
    return this.partBytes;
  }

  push(chunk: Buffer): void {
    if (this.stopped) {
      this.rest = this.rest === undefined ? chunk : Buffer.concat([this.rest, chunk]);
      return;
    }
    let off = 0;
    if (this.partBytes > 0) {
      off = this.completePartial(chunk);
      if (off < 0 || this.stopped) {
        if (this.stopped && off >= 0 && off < chunk.length) this.rest = chunk.subarray(off);
        return;
      }
    }
    const len = chunk.length;
    while (len - off >= 4) {
      const size = chunk.readUInt32BE(off);
      if (size > this.limit) {
        this.stopped = true;
        this.sink.onOversize(size);
        return;
      }
      const end = off + 4 + size;
      if (end > len) break;
      this.sink.onFrame(chunk, off + 4, end);
      off = end;
      if (this.stopped) {
        if (off < len) this.rest = chunk.subarray(off);
        return;
      }
    }
    if (off < len) {
      const tail = chunk.subarray(off);
      this.parts.push(tail);
      this.partBytes = tail.length;
      this.need = tail.length >= 4 ? 4 + tail.readUInt32BE(0) : -1;
    }
  }

  /** Adds `chunk` to the frame being assembled; returns where the rest of the chunk starts, or -1 when all was used. */
  private completePartial(chunk: Buffer): number {
    if (this.need < 0) {
      const missing = 4 - this.partBytes;
      if (chunk.length < missing) {
        this.parts.push(chunk);
        this.partBytes += chunk.length;
        return -1;
      }
      const head = Buffer.concat([...this.parts, chunk.subarray(0, missing)], 4);
      const size = head.readUInt32BE(0);
      if (size > this.limit) {
        this.stopped = true;
        this.parts = [];
        this.partBytes = 0;
        this.sink.onOversize(size);
        return -1;
      }
      this.need = 4 + size;
    }
    const missing = this.need - this.partBytes;
    if (chunk.length < missing) {
      this.parts.push(chunk);
      this.partBytes += chunk.length;
      return -1;
    }
    this.parts.push(missing === chunk.length ? chunk : chunk.subarray(0, missing));
    const frame = Buffer.concat(this.parts, this.need);
    this.parts = [];
    this.partBytes = 0;
    this.need = -1;
    this.sink.onFrame(frame, 4, frame.length);
    return missing;
  }
}
