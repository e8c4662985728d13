import { create, protoInt64, ScalarType } from "@bufbuild/protobuf";
import {
  type CompiledMessage,
  type FieldPlan,
  maxDepth,
  OP_LIST_MESSAGE,
  OP_LIST_PACKED,
  OP_LIST_UNPACKED,
  OP_MAP,
  OP_MESSAGE,
  OP_SCALAR,
  OP_WRAPPER,
  wireTypeOf,
} from "./proto-plan.js";

/** Signals that the fast path does not cover these bytes; the caller falls back to protobuf-es. */
const fallback = new Error("not covered by the fast protobuf path");

// One reader state: decoding never re-enters (it runs no user code).
let B: Buffer = Buffer.alloc(0);
let P = 0;

function varint32(): number {
  let result = 0;
  for (let shift = 0; shift < 70; shift += 7) {
    const b = B[P++];
    if (b === undefined) throw fallback;
    if (shift < 32) result |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) return result >>> 0;
  }
  throw fallback;
}

let lo = 0;
let hi = 0;

function varint64(): void {
  let l = 0;
  let h = 0;
  for (let shift = 0; shift < 70; shift += 7) {
    const b = B[P++];
    if (b === undefined) throw fallback;
    const bits = b & 0x7f;
    if (shift < 28) l |= bits << shift;
    else if (shift === 28) {
      l |= bits << 28;
      h |= bits >>> 4;
    } else h |= bits << (shift - 32);
    if ((b & 0x80) === 0) {
      lo = l >>> 0;
      hi = h >>> 0;
      return;
    }
  }
  throw fallback;
}

function need(n: number, end: number): void {
  if (P + n > end) throw fallback;
}

function readScalar(scalar: ScalarType, longAsString: boolean, end: number): unknown {
  switch (scalar) {
    case ScalarType.INT32:
      return varint32() | 0;
    case ScalarType.UINT32:
      return varint32();
    case ScalarType.SINT32: {
      const n = varint32();
      return (n >>> 1) ^ -(n & 1);
    }
    case ScalarType.BOOL:
      varint64();
      return lo !== 0 || hi !== 0;
    case ScalarType.FIXED32:
      need(4, end);
      P += 4;
      return B.readUInt32LE(P - 4);
    case ScalarType.SFIXED32:
      need(4, end);
      P += 4;
      return B.readInt32LE(P - 4);
    case ScalarType.FLOAT:
      need(4, end);
      P += 4;
      return B.readFloatLE(P - 4);
    case ScalarType.DOUBLE:
      need(8, end);
      P += 8;
      return B.readDoubleLE(P - 8);
    case ScalarType.STRING: {
      const n = varint32();
      need(n, end);
      const text = B.toString("utf8", P, P + n);
      P += n;
      // Invalid UTF-8 must fail exactly as protobuf-es fails; let it decide.
      if (text.indexOf("\uFFFD") !== -1) throw fallback;
      return text;
    }
    case ScalarType.BYTES: {
      const n = varint32();
      need(n, end);
      const bytes = new Uint8Array(n);
      bytes.set(B.subarray(P, P + n));
      P += n;
      return bytes;
    }
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.UINT64: {
      varint64();
      let value: bigint;
      if (scalar === ScalarType.UINT64) value = protoInt64.uDec(lo, hi);
      else if (scalar === ScalarType.INT64) value = protoInt64.dec(lo, hi);
      else {
        const sign = -(lo & 1);
        const l = ((lo >>> 1) | (hi << 31)) ^ sign;
        const h = (hi >>> 1) ^ sign;
        value = protoInt64.dec(l, h);
      }
      return longAsString ? String(value) : value;
    }
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64: {
      need(8, end);
      const l = B.readUInt32LE(P);
      const h = B.readUInt32LE(P + 4);
      P += 8;
      const value = scalar === ScalarType.FIXED64 ? protoInt64.uDec(l, h) : protoInt64.dec(l, h);
      return longAsString ? String(value) : value;
    }
  }
  throw fallback;
}

function zeroOf(scalar: ScalarType, enumZero: number): unknown {
  switch (scalar) {
    case ScalarType.STRING:
      return "";
    case ScalarType.BOOL:
      return false;
    case ScalarType.BYTES:
      return new Uint8Array(0);
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return protoInt64.zero;
    case ScalarType.INT32:
      return enumZero;
    default:
      return 0;
  }
}

function assign(msg: Record<string, unknown>, f: FieldPlan, value: unknown): void {
  if (f.oneof === undefined) msg[f.local] = value;
  else msg[f.oneof] = { case: f.local, value };
}

function lengthEnd(end: number): number {
  const n = varint32();
  const e = P + n;
  if (e > end) throw fallback;
  return e;
}

function decodeFields(codec: CompiledMessage, msg: Record<string, unknown>, end: number, depth: number): void {
  if (depth > maxDepth) throw fallback;
  const byNumber = codec.byNumber;
  while (P < end) {
    const tag = varint32();
    const no = tag >>> 3;
    const wireType = tag & 7;
    const f = no < 1024 ? byNumber[no] : codec.byNumberMap?.get(no);
    // Unknown fields are kept by protobuf-es in $unknown; let it handle them.
    if (f === undefined) throw fallback;
    switch (f.op) {
      case OP_SCALAR:
        if (wireType !== f.wireType) throw fallback;
        assign(msg, f, readScalar(f.scalar, f.longAsString, end));
        break;
      case OP_MESSAGE: {
        if (wireType !== 2) throw fallback;
        const e = lengthEnd(end);
        const child = f.child as CompiledMessage;
        let target: Record<string, unknown> | undefined;
        if (f.oneof === undefined) target = msg[f.local] as Record<string, unknown> | undefined;
        else {
          const o = msg[f.oneof] as { case: string | undefined; value: unknown };
          if (o.case === f.local) target = o.value as Record<string, unknown>;
        }
        // A repeated occurrence of a message field merges into the first, as protobuf requires.
        target ??= create(child.desc) as unknown as Record<string, unknown>;
        decodeFields(child, target, e, depth + 1);
        assign(msg, f, target);
        break;
      }
      case OP_WRAPPER: {
        if (wireType !== 2) throw fallback;
        const e = lengthEnd(end);
        let value = msg[f.local] ?? zeroOf(f.scalar, 0);
        while (P < e) {
          const t = varint32();
          if (t !== ((1 << 3) | wireTypeOf(f.scalar))) throw fallback;
          value = readScalar(f.scalar, f.longAsString, e);
        }
        if (P !== e) throw fallback;
        msg[f.local] = value;
        break;
      }
      case OP_LIST_PACKED:
      case OP_LIST_UNPACKED: {
        const items = msg[f.local] as unknown[];
        if (wireType === 2 && f.wireType !== 2) {
          const e = lengthEnd(end);
          while (P < e) items.push(readScalar(f.scalar, f.longAsString, e));
          if (P !== e) throw fallback;
        } else if (wireType === f.wireType) {
          items.push(readScalar(f.scalar, f.longAsString, end));
        } else throw fallback;
        break;
      }
      case OP_LIST_MESSAGE: {
        if (wireType !== 2) throw fallback;
        const e = lengthEnd(end);
        const child = f.child as CompiledMessage;
        const item = create(child.desc) as unknown as Record<string, unknown>;
        decodeFields(child, item, e, depth + 1);
        (msg[f.local] as unknown[]).push(item);
        break;
      }
      case OP_MAP: {
        if (wireType !== 2) throw fallback;
        const e = lengthEnd(end);
        let key: unknown;
        let value: unknown;
        while (P < e) {
          const t = varint32();
          if (t === ((1 << 3) | wireTypeOf(f.keyScalar))) key = readScalar(f.keyScalar, false, e);
          else if (f.valueIsMessage && t === ((2 << 3) | 2)) {
            const ve = lengthEnd(e);
            const child = f.child as CompiledMessage;
            const target = (value ?? create(child.desc)) as Record<string, unknown>;
            decodeFields(child, target, ve, depth + 1);
            value = target;
          } else if (!f.valueIsMessage && t === ((2 << 3) | wireTypeOf(f.scalar))) value = readScalar(f.scalar, false, e);
          else throw fallback;
        }
        if (P !== e) throw fallback;
        key ??= zeroOf(f.keyScalar, 0);
        if (value === undefined) value = f.valueIsMessage ? create((f.child as CompiledMessage).desc) : zeroOf(f.scalar, f.enumZero);
        const record = msg[f.local] as Record<string, unknown>;
        const k = String(key);
        if (k === "__proto__") Object.defineProperty(record, k, { value, enumerable: true, writable: true, configurable: true });
        else record[k] = value;
        break;
      }
    }
  }
  if (P !== end) throw fallback;
}

/** Decodes buf[start, end) into a fresh message of `codec`; throws when the fast path does not cover the bytes. */
export function decodeMessage(codec: CompiledMessage, buf: Buffer, start: number, end: number): Record<string, unknown> {
  const saveB = B;
  const saveP = P;
  B = buf;
  P = start;
  try {
    const message = create(codec.desc) as unknown as Record<string, unknown>;
    decodeFields(codec, message, end, 0);
    return message;
  } finally {
    B = saveB;
    P = saveP;
  }
}
