/** Turns messages of some types into bytes and back; register custom ones with remoting({ serializers }). */
export interface Serializer {
  /** The type name to send `message` under, or undefined when this serializer does not handle it. */
  typeNameOf(message: unknown): string | undefined;
  /** The bytes of `message` (called only after typeNameOf named its type). */
  serialize(message: unknown): Uint8Array;
  /** True when this serializer can decode messages of `typeName`. */
  handles(typeName: string): boolean;
  /** The message decoded from `bytes` of type `typeName`. */
  deserialize(typeName: string, bytes: Uint8Array): unknown;
}

/** Type name under which the JSON serializer sends plain values. */
export const jsonTypeName = "tsakt.json";

/** True for what the JSON serializer carries: plain objects, arrays, strings, finite numbers and booleans. */
export function isJsonValue(message: unknown): boolean {
  switch (typeof message) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(message);
    case "object": {
      if (message === null) return false;
      if (Array.isArray(message)) return true;
      const proto: unknown = Object.getPrototypeOf(message);
      return (proto === Object.prototype || proto === null) && !("$typeName" in message);
    }
    default:
      return false;
  }
}
