import { type DescField, type DescMessage, fromBinary, type Message, toBinary } from "@bufbuild/protobuf";
import type { FrameWriter } from "./frame-writer.js";
import { decodeMessage } from "./proto-decode.js";
import { encodeMessage } from "./proto-encode.js";
import { type CompiledMessage, childDesc, type FieldPlan, OP_WRAPPER, planOf, supported } from "./proto-plan.js";

/**
 * A protobuf codec compiled from a protobuf-es descriptor that writes straight into a frame and reads straight
 * from one. It covers proto3 messages (scalars, enums, nested messages, wrappers, repeated, maps, oneofs);
 * anything else (proto2, editions, groups, google.protobuf.Struct fields) and any input it does not fully
 * understand goes through protobuf-es toBinary/fromBinary, so the bytes and messages are always the same.
 */
export class MessageCodec implements CompiledMessage {
  plan: FieldPlan[] = [];
  byNumber: Array<FieldPlan | undefined> = [];
  byNumberMap: Map<number, FieldPlan> | undefined = undefined;

  private constructor(
    readonly desc: DescMessage,
    /** False when this schema always goes through protobuf-es. */
    readonly fast: boolean,
  ) {}

  /** The codec of `desc`, compiled on first use. */
  static of(desc: DescMessage): MessageCodec {
    let codec = codecs.get(desc);
    if (codec === undefined) {
      codec = new MessageCodec(desc, supported(desc, new Set()));
      codecs.set(desc, codec);
      if (codec.fast) codec.compile();
    }
    return codec;
  }

  private static nested(desc: DescMessage): MessageCodec {
    let codec = codecs.get(desc);
    if (codec === undefined) {
      codec = new MessageCodec(desc, true);
      codecs.set(desc, codec);
      codec.compile();
    }
    return codec;
  }

  private compile(): void {
    const fields = [...this.desc.fields].sort((a, b) => a.number - b.number);
    for (const field of fields) {
      const plan = planOf(field);
      this.plan.push(plan);
      if (field.number < 1024) this.byNumber[field.number] = plan;
      else (this.byNumberMap ??= new Map()).set(field.number, plan);
    }
    for (const plan of this.plan) {
      const field = fields.find((f) => f.number === plan.no) as DescField;
      const child = childDesc(field);
      if (child !== undefined && plan.op !== OP_WRAPPER) plan.child = MessageCodec.nested(child);
    }
  }

  /** Appends the message's bytes (no length prefix) to `w`. */
  encode(w: FrameWriter, message: Message): void {
    if (this.fast) encodeMessage(this, w, message as unknown as Record<string, unknown>);
    else w.raw(toBinary(this.desc, message));
  }

  /** Decodes buf[start, end). */
  decode(buf: Buffer, start: number, end: number): Message {
    if (this.fast) {
      try {
        return decodeMessage(this, buf, start, end) as unknown as Message;
      } catch {
        // Whatever the fast path does not understand, protobuf-es decides (and reports) exactly.
      }
    }
    return fromBinary(this.desc, buf.subarray(start, end));
  }
}

const codecs = new WeakMap<DescMessage, MessageCodec>();
