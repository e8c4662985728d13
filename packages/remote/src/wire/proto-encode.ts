import { protoInt64, ScalarType } from "@bufbuild/protobuf";
import type { FrameWriter } from "./frame-writer.js";
import {
  type CompiledMessage,
  type FieldPlan,
  OP_LIST_MESSAGE,
  OP_LIST_PACKED,
  OP_LIST_UNPACKED,
  OP_MAP,
  OP_MESSAGE,
  OP_SCALAR,
  OP_WRAPPER,
  wireTypeOf,
} from "./proto-plan.js";

function isZero(scalar: ScalarType, value: unknown, enumZero: number): boolean {
  switch (scalar) {
    case ScalarType.BOOL:
      return value === false;
    case ScalarType.STRING:
      return value === "";
    case ScalarType.BYTES:
      return value instanceof Uint8Array && value.byteLength === 0;
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return Object.is(value, 0);
    case ScalarType.INT32:
      return value === enumZero;
    default:
      // Loose on purpose: 0, 0n and "0" are all zero for 64-bit fields.
      // biome-ignore lint/suspicious/noDoubleEquals: deliberate coercion, see above.
      return value == 0;
  }
}

function invalid(scalar: ScalarType, value: unknown): never {
  throw new Error(`invalid ${ScalarType[scalar]?.toLowerCase() ?? "scalar"} value: ${String(value)}`);
}

function writeScalar(w: FrameWriter, scalar: ScalarType, value: unknown): void {
  switch (scalar) {
    case ScalarType.INT32:
      if (typeof value !== "number" || (value | 0) !== value) invalid(scalar, value);
      w.int32(value);
      return;
    case ScalarType.UINT32:
      if (typeof value !== "number" || value >>> 0 !== value) invalid(scalar, value);
      w.varint32(value);
      return;
    case ScalarType.SINT32:
      if (typeof value !== "number" || (value | 0) !== value) invalid(scalar, value);
      w.varint32(((value << 1) ^ (value >> 31)) >>> 0);
      return;
    case ScalarType.FIXED32:
      if (typeof value !== "number" || value >>> 0 !== value) invalid(scalar, value);
      w.fixed32(value);
      return;
    case ScalarType.SFIXED32:
      if (typeof value !== "number" || (value | 0) !== value) invalid(scalar, value);
      w.sfixed32(value);
      return;
    case ScalarType.FLOAT:
      if (typeof value !== "number") invalid(scalar, value);
      w.float(value);
      return;
    case ScalarType.DOUBLE:
      if (typeof value !== "number") invalid(scalar, value);
      w.double(value);
      return;
    case ScalarType.BOOL:
      if (typeof value !== "boolean") invalid(scalar, value);
      w.ensure(1);
      w.buf[w.pos++] = value ? 1 : 0;
      return;
    case ScalarType.STRING:
      if (typeof value !== "string") invalid(scalar, value);
      w.string(value);
      return;
    case ScalarType.BYTES:
      if (!(value instanceof Uint8Array)) invalid(scalar, value);
      w.bytes(value);
      return;
    case ScalarType.INT64: {
      const t = protoInt64.enc(value as bigint);
      w.varint64(t.lo, t.hi);
      return;
    }
    case ScalarType.UINT64: {
      const t = protoInt64.uEnc(value as bigint);
      w.varint64(t.lo, t.hi);
      return;
    }
    case ScalarType.FIXED64: {
      const t = protoInt64.uEnc(value as bigint);
      w.fixed64(t.lo, t.hi);
      return;
    }
    case ScalarType.SFIXED64: {
      const t = protoInt64.enc(value as bigint);
      w.fixed64(t.lo, t.hi);
      return;
    }
    case ScalarType.SINT64: {
      const t = protoInt64.enc(value as bigint);
      const sign = t.hi >> 31;
      w.varint64((t.lo << 1) ^ sign, ((t.hi << 1) | (t.lo >>> 31)) ^ sign);
      return;
    }
  }
}

function mapKeyOf(scalar: ScalarType, key: string): unknown {
  switch (scalar) {
    case ScalarType.STRING:
      return key;
    case ScalarType.BOOL:
      return key === "true" ? true : key === "false" ? false : key;
    case ScalarType.INT64:
    case ScalarType.SFIXED64:
    case ScalarType.SINT64:
      return protoInt64.parse(key);
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return protoInt64.uParse(key);
    default: {
      const n = Number.parseInt(key, 10);
      return Number.isFinite(n) ? n : key;
    }
  }
}

/** Appends the fields of `msg` to `w`, in field-number order, exactly as protobuf-es would. */
export function encodeMessage(codec: CompiledMessage, w: FrameWriter, msg: Record<string, unknown>): void {
  const plan = codec.plan;
  for (let i = 0; i < plan.length; i++) {
    const f = plan[i] as FieldPlan;
    let value: unknown;
    const inOneof = f.oneof !== undefined;
    if (inOneof) {
      const o = msg[f.oneof as string] as { case: string | undefined; value: unknown } | undefined;
      if (o === undefined || o.case !== f.local) continue;
      value = o.value;
    } else {
      value = msg[f.local];
    }
    switch (f.op) {
      case OP_SCALAR:
        if (f.explicit || inOneof) {
          if (value === undefined) continue;
        } else if (isZero(f.scalar, value, f.enumZero)) continue;
        w.varint32(f.tag);
        writeScalar(w, f.scalar, value);
        break;
      case OP_MESSAGE: {
        if (value === undefined) continue;
        w.varint32(f.tag);
        const mark = w.beginLength();
        encodeMessage(f.child as CompiledMessage, w, value as Record<string, unknown>);
        w.endLength(mark);
        break;
      }
      case OP_WRAPPER: {
        if (value === undefined) continue;
        w.varint32(f.tag);
        const mark = w.beginLength();
        if (!isZero(f.scalar, value, 0)) {
          w.varint32((1 << 3) | wireTypeOf(f.scalar));
          writeScalar(w, f.scalar, value);
        }
        w.endLength(mark);
        break;
      }
      case OP_LIST_PACKED: {
        const items = value as unknown[];
        if (items.length === 0) continue;
        w.varint32(f.tag);
        const mark = w.beginLength();
        for (let j = 0; j < items.length; j++) writeScalar(w, f.scalar, items[j]);
        w.endLength(mark);
        break;
      }
      case OP_LIST_UNPACKED: {
        const items = value as unknown[];
        for (let j = 0; j < items.length; j++) {
          w.varint32(f.tag);
          writeScalar(w, f.scalar, items[j]);
        }
        break;
      }
      case OP_LIST_MESSAGE: {
        const items = value as Array<Record<string, unknown>>;
        for (let j = 0; j < items.length; j++) {
          w.varint32(f.tag);
          const mark = w.beginLength();
          encodeMessage(f.child as CompiledMessage, w, items[j] as Record<string, unknown>);
          w.endLength(mark);
        }
        break;
      }
      case OP_MAP: {
        const record = value as Record<string, unknown>;
        const keys = Object.keys(record);
        for (let j = 0; j < keys.length; j++) {
          const key = keys[j] as string;
          w.varint32(f.tag);
          const mark = w.beginLength();
          w.varint32((1 << 3) | wireTypeOf(f.keyScalar));
          writeScalar(w, f.keyScalar, mapKeyOf(f.keyScalar, key));
          if (f.valueIsMessage) {
            w.varint32((2 << 3) | 2);
            const inner = w.beginLength();
            encodeMessage(f.child as CompiledMessage, w, record[key] as Record<string, unknown>);
            w.endLength(inner);
          } else {
            w.varint32((2 << 3) | wireTypeOf(f.scalar));
            writeScalar(w, f.scalar, record[key]);
          }
          w.endLength(mark);
        }
        break;
      }
    }
  }
  const unknown = msg.$unknown as Array<{ no: number; wireType: number; data: Uint8Array }> | undefined;
  if (unknown !== undefined) {
    for (let i = 0; i < unknown.length; i++) {
      const u = unknown[i] as { no: number; wireType: number; data: Uint8Array };
      w.varint32(((u.no << 3) | u.wireType) >>> 0);
      w.raw(u.data);
    }
  }
}
