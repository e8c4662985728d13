import { create, type DescMessage, type MessageShape, type Registry } from "@bufbuild/protobuf";
import { anyPack, anyUnpack } from "@bufbuild/protobuf/wkt";
import { InvalidMessageError } from "../errors.js";
import { type Broadcast, BroadcastSchema } from "../gen/tsakt/actor/v1/router_pb.js";

/** The payload of each Broadcast made in this process, so a local router skips decoding and keeps the very object. */
const localPayloads = new WeakMap<Broadcast, unknown>();

/**
 * Wraps `message` so a router sends it to every routee whatever its strategy. With `schema` the payload is packed
 * (a Broadcast that can cross processes); without it any local value works but stays local.
 */
export function broadcast<D extends DescMessage>(message: MessageShape<D>, schema: D): Broadcast;
export function broadcast(message: unknown): Broadcast;
export function broadcast(message: unknown, schema?: DescMessage): Broadcast {
  if (message === undefined || message === null) throw new InvalidMessageError(`broadcast needs a payload, got ${String(message)}`);
  const wrapper = schema === undefined ? create(BroadcastSchema) : create(BroadcastSchema, { message: anyPack(schema, message as never) });
  localPayloads.set(wrapper, message);
  return wrapper;
}

/** The payload of `wrapper`: the local original, else unpacked with `registry`; undefined when it cannot be had. */
export function broadcastPayload(wrapper: Broadcast, registry: Registry | undefined): unknown {
  const local = localPayloads.get(wrapper);
  if (local !== undefined) return local;
  if (wrapper.message === undefined || registry === undefined) return undefined;
  return anyUnpack(wrapper.message, registry);
}
