import type { DescField, DescMessage } from "@bufbuild/protobuf";
import { ScalarType } from "@bufbuild/protobuf";

/** A singular scalar or enum field. */
export const OP_SCALAR = 0;
/** A singular message field. */
export const OP_MESSAGE = 1;
/** A singular google.protobuf wrapper field, unboxed to its scalar by protobuf-es. */
export const OP_WRAPPER = 2;
/** A packed repeated scalar or enum field. */
export const OP_LIST_PACKED = 3;
/** An unpacked repeated scalar field (strings, bytes, or [packed = false]). */
export const OP_LIST_UNPACKED = 4;
/** A repeated message field. */
export const OP_LIST_MESSAGE = 5;
/** A map field. */
export const OP_MAP = 6;
/** Deepest message nesting the fast decoder follows (protobuf-es's default recursion limit). */
export const maxDepth = 100;

const EDITION_PROTO3 = 999;
const PRESENCE_EXPLICIT = 1;

/** What the encoder and decoder need of a compiled message (implemented by MessageCodec). */
export interface CompiledMessage {
  readonly desc: DescMessage;
  readonly plan: FieldPlan[];
  readonly byNumber: Array<FieldPlan | undefined>;
  readonly byNumberMap: Map<number, FieldPlan> | undefined;
}

/** How one field is written and read. */
export interface FieldPlan {
  op: number;
  no: number;
  local: string;
  /** Local name of the oneof holding this field, if any. */
  oneof: string | undefined;
  /** Tag of the field (number and wire type). */
  tag: number;
  /** Wire type of one value (scalar or enum), to check tags while decoding. */
  wireType: number;
  /** Scalar type of the value (enums use INT32). */
  scalar: ScalarType;
  /** Proto3 `optional`: written whenever set, even when zero. */
  explicit: boolean;
  /** The zero value of an enum (its first value). */
  enumZero: number;
  longAsString: boolean;
  child: CompiledMessage | undefined;
  /** Map fields: key scalar type and the value's kind. */
  keyScalar: ScalarType;
  valueIsMessage: boolean;
}
/** The message type a field holds (singular, repeated or as map value), if any. */
export function childDesc(field: DescField): DescMessage | undefined {
  if (field.fieldKind === "message") return field.message;
  if (field.fieldKind === "list" && field.listKind === "message") return field.message;
  if (field.fieldKind === "map" && field.mapKind === "message") return field.message;
  return undefined;
}

const wrapperTypes = new Set(
  ["Double", "Float", "Int64", "UInt64", "Int32", "UInt32", "Bool", "String", "Bytes"].map((t) => `google.protobuf.${t}Value`),
);

/** protobuf-es unboxes singular fields of these types to their scalar value. */
function isWrapper(desc: DescMessage): boolean {
  return wrapperTypes.has(desc.typeName);
}

/** True when every message reachable from `desc` is plain proto3 that the fast path covers. */
export function supported(desc: DescMessage, visiting: Set<DescMessage>): boolean {
  if (visiting.has(desc)) return true;
  visiting.add(desc);
  if ((desc.file.edition as number) !== EDITION_PROTO3) return false;
  for (const field of desc.fields) {
    if ("delimitedEncoding" in field && field.delimitedEncoding) return false;
    const child = childDesc(field);
    if (child === undefined) continue;
    // protobuf-es represents Struct fields as JSON objects; leave those to it.
    if (child.typeName === "google.protobuf.Struct" && desc.typeName !== "google.protobuf.Value") return false;
    if (!supported(child, visiting)) return false;
  }
  return true;
}

/** The wire type of one value of `scalar`. */
export function wireTypeOf(scalar: ScalarType): number {
  switch (scalar) {
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return 1;
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return 5;
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return 2;
    default:
      return 0;
  }
}

/** How `field` is written and read. */
export function planOf(field: DescField): FieldPlan {
  const plan: FieldPlan = {
    op: OP_SCALAR,
    no: field.number,
    local: field.localName,
    oneof: field.oneof?.localName,
    tag: 0,
    wireType: 0,
    scalar: ScalarType.INT32,
    explicit: false,
    enumZero: 0,
    longAsString: false,
    child: undefined,
    keyScalar: ScalarType.STRING,
    valueIsMessage: false,
  };
  switch (field.fieldKind) {
    case "scalar":
      plan.scalar = field.scalar;
      plan.longAsString = field.longAsString;
      plan.explicit = field.presence === PRESENCE_EXPLICIT;
      break;
    case "enum":
      plan.enumZero = field.enum.values[0]?.number ?? 0;
      plan.explicit = field.presence === PRESENCE_EXPLICIT;
      break;
    case "message":
      if (field.oneof === undefined && isWrapper(field.message)) {
        plan.op = OP_WRAPPER;
        const inner = field.message.fields[0] as DescField & { scalar: ScalarType; longAsString: boolean };
        plan.scalar = inner.scalar;
        plan.longAsString = inner.longAsString;
      } else {
        plan.op = OP_MESSAGE;
      }
      plan.tag = (field.number << 3) | 2;
      plan.wireType = 2;
      return plan;
    case "list":
      if (field.listKind === "message") {
        plan.op = OP_LIST_MESSAGE;
        plan.tag = (field.number << 3) | 2;
        plan.wireType = 2;
        return plan;
      }
      if (field.listKind === "scalar") {
        plan.scalar = field.scalar;
        plan.longAsString = field.longAsString;
      }
      plan.op = field.packed ? OP_LIST_PACKED : OP_LIST_UNPACKED;
      plan.wireType = wireTypeOf(plan.scalar);
      plan.tag = (field.number << 3) | (field.packed ? 2 : plan.wireType);
      return plan;
    case "map":
      plan.op = OP_MAP;
      plan.keyScalar = field.mapKey;
      if (field.mapKind === "scalar") plan.scalar = field.scalar;
      else if (field.mapKind === "enum") plan.enumZero = field.enum.values[0]?.number ?? 0;
      else plan.valueIsMessage = true;
      plan.tag = (field.number << 3) | 2;
      plan.wireType = 2;
      return plan;
  }
  plan.wireType = wireTypeOf(plan.scalar);
  plan.tag = (field.number << 3) | plan.wireType;
  return plan;
}
