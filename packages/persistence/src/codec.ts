import {
  createRegistry,
  type DescFile,
  type DescMessage,
  fromBinary,
  type Message,
  type MessageShape,
  type Registry,
  toBinary,
} from "@bufbuild/protobuf";
import { type Any, AnySchema, anyPack, anyUnpack } from "@bufbuild/protobuf/wkt";
import { InvalidOptionError } from "@tsakt/actor";
import { CorruptStateError, UnknownTypeError } from "./errors.js";
import type { JournalEvent, PersistedEvent } from "./event-journal.js";

/** Type name under which plain JSON values are stored when `json: true`. */
export const jsonTypeName = "tsakt.json";

/** Options for PersistenceCodec. */
export interface PersistenceCodecOptions {
  /** Schemas of the state and event messages (messages, files or registries). Default: none. */
  types?: ReadonlyArray<Registry | DescFile | DescMessage>;
  /** Also store plain JSON values (objects, arrays, strings, finite numbers, booleans) under "tsakt.json". Default: false. */
  json?: boolean;
}

/** A value in bytes with the type name that reads it back. */
export interface EncodedValue {
  /** The protobuf type name, or "tsakt.json". */
  typeName: string;
  /** The serialized value. */
  bytes: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Turns state and events into bytes and back: protobuf-es messages by their schema, looked up in the registry built
 * from `types`; plain JSON only when enabled.
 */
export class PersistenceCodec {
  /** The registry built from `types`. */
  readonly registry: Registry;
  private readonly json: boolean;

  constructor(options: PersistenceCodecOptions = {}) {
    if (typeof options !== "object" || options === null) throw new InvalidOptionError("options", "must be an object");
    if (options.types !== undefined && !Array.isArray(options.types)) throw new InvalidOptionError("types", "must be an array of schemas");
    if (options.json !== undefined && typeof options.json !== "boolean") throw new InvalidOptionError("json", "must be a boolean");
    this.registry = createRegistry(...(options.types ?? []));
    this.json = options.json ?? false;
  }

  /** The bytes and type name of `value`; throws UnknownTypeError for a message whose schema is not registered. */
  encode(value: unknown): EncodedValue {
    const typeName = messageTypeName(value);
    if (typeName !== undefined) {
      const desc = this.schemaOf(typeName);
      return { typeName, bytes: toBinary(desc, value as MessageShape<DescMessage>) };
    }
    if (this.json && isJsonValue(value)) return { typeName: jsonTypeName, bytes: encoder.encode(JSON.stringify(value)) };
    throw new InvalidOptionError(
      "value",
      this.json ? "must be a protobuf message or a plain JSON value" : "must be a protobuf message (plain JSON needs json: true)",
    );
  }

  /** The value stored as `bytes` under `typeName`; throws CorruptStateError naming `key` when it cannot be read. */
  decode(typeName: string, bytes: Uint8Array, key: string): unknown {
    if (typeName === jsonTypeName) {
      if (!this.json) throw new CorruptStateError(key, "it holds JSON but the codec has json: false");
      try {
        return JSON.parse(decoder.decode(bytes));
      } catch (error) {
        throw new CorruptStateError(key, `invalid JSON (${(error as Error).message})`, { cause: error });
      }
    }
    const desc = this.registry.getMessage(typeName);
    if (desc === undefined)
      throw new CorruptStateError(key, `its type "${typeName}" has no registered schema`, { cause: new UnknownTypeError(typeName) });
    try {
      return fromBinary(desc, bytes);
    } catch (error) {
      throw new CorruptStateError(key, `not a valid ${typeName} (${(error as Error).message})`, { cause: error });
    }
  }

  /** An event ready for EventJournal.append: its bytes, its type name and the given metadata. */
  encodeEvent(value: unknown, metadata?: Record<string, string>): JournalEvent {
    const { typeName, bytes } = this.encode(value);
    return metadata === undefined ? { typeName, bytes } : { typeName, bytes, metadata };
  }

  /** The value of a replayed event; a CorruptStateError names it as "<persistenceId>#<sequenceNr>". */
  decodeEvent(event: PersistedEvent): unknown {
    return this.decode(event.typeName, event.bytes, `${event.persistenceId}#${event.sequenceNr}`);
  }

  /** Self-describing bytes of `value` (a google.protobuf.Any), for state stores and snapshots that keep no type column. */
  pack(value: unknown): Uint8Array {
    const { typeName, bytes } = this.encode(value);
    const any: Any =
      typeName === jsonTypeName
        ? { $typeName: "google.protobuf.Any", typeUrl: jsonTypeName, value: bytes }
        : anyPack(this.schemaOf(typeName), value as Message);
    return toBinary(AnySchema, any);
  }

  /** The value packed in `bytes`; throws CorruptStateError naming `key` when it cannot be read. */
  unpack(bytes: Uint8Array, key: string): unknown {
    let any: Any;
    try {
      any = fromBinary(AnySchema, bytes);
    } catch (error) {
      throw new CorruptStateError(key, `not a packed value (${(error as Error).message})`, { cause: error });
    }
    if (any.typeUrl === "") throw new CorruptStateError(key, "it carries no type");
    if (any.typeUrl === jsonTypeName) return this.decode(jsonTypeName, any.value, key);
    const typeName = any.typeUrl.slice(any.typeUrl.lastIndexOf("/") + 1);
    if (this.registry.getMessage(typeName) === undefined) return this.decode(typeName, any.value, key);
    try {
      const message = anyUnpack(any, this.registry);
      if (message !== undefined) return message;
    } catch (error) {
      throw new CorruptStateError(key, `not a valid ${typeName} (${(error as Error).message})`, { cause: error });
    }
    throw new CorruptStateError(key, `its type "${typeName}" could not be unpacked`);
  }

  private schemaOf(typeName: string): DescMessage {
    const desc = this.registry.getMessage(typeName);
    if (desc === undefined) throw new UnknownTypeError(typeName);
    return desc;
  }
}

function messageTypeName(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const typeName = (value as { $typeName?: unknown }).$typeName;
  return typeof typeName === "string" ? typeName : undefined;
}

/** True for plain objects, arrays, strings, finite numbers and booleans (not protobuf messages). */
export function isJsonValue(value: unknown): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object": {
      if (value === null) return false;
      if (Array.isArray(value)) return true;
      const proto: unknown = Object.getPrototypeOf(value);
      return (proto === Object.prototype || proto === null) && !("$typeName" in value);
    }
    default:
      return false;
  }
}
