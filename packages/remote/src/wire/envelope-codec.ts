import type { FrameWriter } from "./frame-writer.js";

/** ENVELOPE_KIND_TELL on the wire. */
export const KIND_TELL = 1;
/** ENVELOPE_KIND_ASK on the wire. */
export const KIND_ASK = 2;
/** ENVELOPE_KIND_REPLY on the wire. */
export const KIND_REPLY = 3;
/** ENVELOPE_KIND_ERROR on the wire. */
export const KIND_ERROR = 4;
/** ENVELOPE_KIND_SYSTEM on the wire. */
export const KIND_SYSTEM = 5;

// Field tags of tsakt.remote.v1.Envelope (field number << 3 | wire type), written by hand on the hot path.
/** Tag of Envelope.kind. */
export const TAG_KIND = (1 << 3) | 0;
/** Tag of Envelope.correlation_id. */
export const TAG_CORRELATION = (2 << 3) | 0;
/** Tag of Envelope.sender. */
export const TAG_SENDER = (3 << 3) | 2;
/** Tag of Envelope.receiver. */
export const TAG_RECEIVER = (4 << 3) | 2;
/** Tag of Envelope.type_name. */
export const TAG_TYPE_NAME = (5 << 3) | 2;
/** Tag of Envelope.payload. */
export const TAG_PAYLOAD = (6 << 3) | 2;
/** Tag of one Envelope.metadata entry. */
export const TAG_METADATA = (7 << 3) | 2;
/** Tag of Envelope.deadline_ms. */
export const TAG_DEADLINE = (8 << 3) | 0;

/** Writes the metadata map field (entries in key order of the object). */
export function writeMetadata(w: FrameWriter, metadata: Record<string, string>): void {
  for (const key in metadata) {
    const value = metadata[key];
    if (typeof value !== "string") continue;
    w.varint32(TAG_METADATA);
    const mark = w.beginLength();
    w.varint32((1 << 3) | 2);
    w.string(key);
    w.varint32((2 << 3) | 2);
    w.string(value);
    w.endLength(mark);
  }
}

/**
 * One decoded envelope, reused for every frame of a connection: strings and the payload stay as offsets into the
 * frame until someone needs them, so routing a frame decodes only what it uses.
 */
export class InboundEnvelope {
  kind = 0;
  correlationId = 0;
  deadlineMs = 0;
  senderStart = 0;
  senderEnd = 0;
  receiverStart = 0;
  receiverEnd = 0;
  typeStart = 0;
  typeEnd = 0;
  payloadStart = 0;
  payloadEnd = 0;
  metadata: Record<string, string> | undefined = undefined;
}

/** Thrown for bytes that are not an Envelope; the caller closes the connection. */
export class EnvelopeDecodeError extends Error {}

let B: Buffer = Buffer.alloc(0);
let P = 0;

function fail(reason: string): never {
  throw new EnvelopeDecodeError(reason);
}

function varint(end: number): number {
  let result = 0;
  let shift = 0;
  for (let i = 0; i < 10; i++) {
    if (P >= end) fail("truncated varint");
    const b = B[P++] as number;
    if (shift < 32) result |= (b & 0x7f) << shift;
    shift += 7;
    if ((b & 0x80) === 0) return result >>> 0;
  }
  fail("varint longer than 10 bytes");
}

function skip(wireType: number, end: number): void {
  switch (wireType) {
    case 0:
      varint(end);
      return;
    case 1:
      P += 8;
      break;
    case 2: {
      const len = varint(end);
      P += len;
      break;
    }
    case 5:
      P += 4;
      break;
    default:
      fail(`unsupported wire type ${wireType}`);
  }
  if (P > end) fail("field runs past the frame");
}

/** Decodes the Envelope in buf[start, end) into `out`; throws EnvelopeDecodeError when it is malformed. */
export function decodeEnvelope(buf: Buffer, start: number, end: number, out: InboundEnvelope): void {
  B = buf;
  P = start;
  out.kind = 0;
  out.correlationId = 0;
  out.deadlineMs = 0;
  out.senderStart = out.senderEnd = 0;
  out.receiverStart = out.receiverEnd = 0;
  out.typeStart = out.typeEnd = 0;
  out.payloadStart = out.payloadEnd = 0;
  out.metadata = undefined;
  while (P < end) {
    const tag = varint(end);
    switch (tag) {
      case TAG_KIND:
        out.kind = varint(end) | 0;
        break;
      case TAG_CORRELATION:
        out.correlationId = varint(end);
        break;
      case TAG_DEADLINE:
        out.deadlineMs = varint(end);
        break;
      case TAG_SENDER:
      case TAG_RECEIVER:
      case TAG_TYPE_NAME:
      case TAG_PAYLOAD: {
        const len = varint(end);
        const s = P;
        P += len;
        if (P > end) fail("field runs past the frame");
        if (tag === TAG_SENDER) {
          out.senderStart = s;
          out.senderEnd = P;
        } else if (tag === TAG_RECEIVER) {
          out.receiverStart = s;
          out.receiverEnd = P;
        } else if (tag === TAG_TYPE_NAME) {
          out.typeStart = s;
          out.typeEnd = P;
        } else {
          out.payloadStart = s;
          out.payloadEnd = P;
        }
        break;
      }
      case TAG_METADATA:
        readMetadataEntry(out, end);
        break;
      default: {
        const wireType = tag & 7;
        const field = tag >>> 3;
        if (field === 0) fail("field number 0");
        if (field <= 8) fail(`field ${field} has wire type ${wireType}`);
        // Unknown fields are skipped, so newer peers may add fields.
        skip(wireType, end);
      }
    }
  }
  if (P !== end) fail("field runs past the frame");
}

function readMetadataEntry(out: InboundEnvelope, end: number): void {
  const len = varint(end);
  const entryEnd = P + len;
  if (entryEnd > end) fail("metadata entry runs past the frame");
  let key = "";
  let value = "";
  while (P < entryEnd) {
    const tag = varint(entryEnd);
    if (tag === ((1 << 3) | 2) || tag === ((2 << 3) | 2)) {
      const n = varint(entryEnd);
      if (P + n > entryEnd) fail("metadata string runs past its entry");
      const text = B.toString("utf8", P, P + n);
      P += n;
      if (tag === ((1 << 3) | 2)) key = text;
      else value = text;
    } else {
      skip(tag & 7, entryEnd);
    }
  }
  // Keys such as "__proto__" must become plain entries, not prototype changes.
  const metadata = (out.metadata ??= Object.create(null) as Record<string, string>);
  metadata[key] = value;
}

/** True when buf[start, end) holds exactly the bytes of `cached`. */
export function sameBytes(buf: Buffer, start: number, end: number, cached: Buffer): boolean {
  const n = end - start;
  if (n !== cached.length) return false;
  if (n > 48) return buf.compare(cached, 0, n, start, end) === 0;
  for (let i = 0; i < n; i++) if (buf[start + i] !== cached[i]) return false;
  return true;
}
