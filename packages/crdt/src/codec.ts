import { fromBinary, toBinary } from "@bufbuild/protobuf";
import type { Replicated } from "./crdt.js";
import { CrdtDecodeError } from "./errors.js";
import { fromProto, type KeyedValue } from "./from-proto.js";
import { type ReplicatedValue, ReplicatedValueSchema } from "./gen/tsakt/crdt/v1/crdt_pb.js";
import { toProto } from "./to-proto.js";

/** The bytes of `data` stored under `key` (a `tsakt.crdt.v1.ReplicatedValue`); canonical, so equal values give equal bytes. */
export function encodeReplicatedValue(key: string, data: Replicated): Uint8Array {
  return toBinary(ReplicatedValueSchema, toProto(key, data));
}

/** Reads bytes written by `encodeReplicatedValue`; malformed or inconsistent bytes throw CrdtDecodeError. */
export function decodeReplicatedValue(bytes: Uint8Array): KeyedValue {
  let message: ReplicatedValue;
  try {
    message = fromBinary(ReplicatedValueSchema, bytes);
  } catch (error) {
    throw new CrdtDecodeError(`the bytes are not a tsakt.crdt.v1.ReplicatedValue (${(error as Error)?.message ?? error})`, {
      cause: error,
    });
  }
  return fromProto(message);
}
