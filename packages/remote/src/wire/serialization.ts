import { createRegistry, type DescFile, type DescMessage, type Registry } from "@bufbuild/protobuf";
import {
  ActorPassivatedSchema,
  ActorReinstatedSchema,
  ActorRestartedSchema,
  ActorStartedSchema,
  ActorStoppedSchema,
  ActorSuspendedSchema,
  DeadletterSchema,
  LeaderChangedSchema,
  NodeJoinedSchema,
  NodeLeftSchema,
  PipeFailureSchema,
  PoisonPillSchema,
  PostStartSchema,
  TerminatedSchema,
} from "@tsakt/actor";
import { SerializationError } from "../errors.js";
import { file_tsakt_remote_v1_system } from "../gen/tsakt/remote/v1/system_pb.js";
import { TAG_PAYLOAD, TAG_TYPE_NAME } from "./envelope-codec.js";
import type { FrameWriter } from "./frame-writer.js";
import { MessageCodec } from "./proto-codec.js";
import { isJsonValue, jsonTypeName, type Serializer } from "./serializer.js";

/** Decodes one payload type; the same shape for protobuf codecs, custom serializers and JSON. */
export interface PayloadDecoder {
  decode(buf: Buffer, start: number, end: number): unknown;
}

class CustomDecoder implements PayloadDecoder {
  constructor(
    private readonly serializer: Serializer,
    private readonly typeName: string,
  ) {}

  decode(buf: Buffer, start: number, end: number): unknown {
    return this.serializer.deserialize(this.typeName, buf.subarray(start, end));
  }
}

const jsonDecoder: PayloadDecoder = {
  decode(buf, start, end) {
    return JSON.parse(buf.toString("utf8", start, end));
  },
};

/** What crosses the wire for a message type: protobuf by registered schema, custom serializers, opt-in JSON. */
export class Serialization {
  registry: Registry;
  private readonly codecs = new Map<string, MessageCodec | null>();
  private readonly decoders = new Map<string, PayloadDecoder | null>();

  constructor(
    types: ReadonlyArray<Registry | DescFile | DescMessage>,
    private readonly custom: readonly Serializer[],
    private readonly json: boolean,
  ) {
    this.registry = createRegistry(
      file_tsakt_remote_v1_system,
      TerminatedSchema,
      PoisonPillSchema,
      PipeFailureSchema,
      PostStartSchema,
      ActorStartedSchema,
      ActorStoppedSchema,
      ActorRestartedSchema,
      ActorSuspendedSchema,
      ActorReinstatedSchema,
      ActorPassivatedSchema,
      DeadletterSchema,
      NodeJoinedSchema,
      NodeLeftSchema,
      LeaderChangedSchema,
      ...types,
    );
  }

  /** Adds more protobuf types (the plugins' own, at start); types already known stay as they are. */
  register(types: ReadonlyArray<Registry | DescFile | DescMessage>): void {
    if (types.length === 0) return;
    this.registry = createRegistry(this.registry, ...types);
    this.codecs.clear();
    this.decoders.clear();
  }

  private codecOf(typeName: string): MessageCodec | null {
    let codec = this.codecs.get(typeName);
    if (codec === undefined) {
      const desc = this.registry.getMessage(typeName);
      codec = desc === undefined ? null : MessageCodec.of(desc);
      this.codecs.set(typeName, codec);
    }
    return codec;
  }

  /**
   * Writes the type_name and payload fields of `message`; returns its type name, or undefined when no serializer
   * handles it (nothing is written then). Throws SerializationError when a serializer fails.
   */
  write(w: FrameWriter, message: unknown): string | undefined {
    const custom = this.custom;
    for (let i = 0; i < custom.length; i++) {
      const serializer = custom[i] as Serializer;
      const typeName = serializer.typeNameOf(message);
      if (typeName === undefined) continue;
      let bytes: Uint8Array;
      try {
        bytes = serializer.serialize(message);
      } catch (error) {
        throw new SerializationError(typeName, error);
      }
      w.varint32(TAG_TYPE_NAME);
      w.string(typeName);
      w.varint32(TAG_PAYLOAD);
      w.bytes(bytes);
      return typeName;
    }
    if (typeof message === "object" && message !== null) {
      const typeName = (message as { $typeName?: unknown }).$typeName;
      if (typeof typeName === "string") {
        const codec = this.codecOf(typeName);
        if (codec === null) return undefined;
        w.varint32(TAG_TYPE_NAME);
        w.string(typeName);
        w.varint32(TAG_PAYLOAD);
        const mark = w.beginLength();
        try {
          codec.encode(w, message as never);
        } catch (error) {
          throw new SerializationError(typeName, error);
        }
        w.endLength(mark);
        return typeName;
      }
    }
    if (this.json && isJsonValue(message)) {
      let text: string;
      try {
        text = JSON.stringify(message);
      } catch (error) {
        throw new SerializationError(jsonTypeName, error);
      }
      w.varint32(TAG_TYPE_NAME);
      w.string(jsonTypeName);
      w.varint32(TAG_PAYLOAD);
      w.string(text);
      return jsonTypeName;
    }
    return undefined;
  }

  /** The decoder for `typeName`, or undefined when this node cannot decode it. */
  decoderOf(typeName: string): PayloadDecoder | undefined {
    let decoder = this.decoders.get(typeName);
    if (decoder === undefined) {
      decoder = null;
      for (const serializer of this.custom) {
        if (serializer.handles(typeName)) {
          decoder = new CustomDecoder(serializer, typeName);
          break;
        }
      }
      if (decoder === null) {
        const codec = this.codecOf(typeName);
        if (codec !== null) decoder = codec;
        else if (this.json && typeName === jsonTypeName) decoder = jsonDecoder;
      }
      // Unknown names are remembered only up to a bound, so a hostile peer cannot grow this map forever.
      if (decoder !== null || this.decoders.size < 10_000) this.decoders.set(typeName, decoder);
    }
    return decoder ?? undefined;
  }

  /** The codec of a schema this node always knows (its own system messages). */
  systemCodec(desc: DescMessage): MessageCodec {
    return MessageCodec.of(desc);
  }
}
