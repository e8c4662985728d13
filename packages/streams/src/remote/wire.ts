import type { Registry } from "@bufbuild/protobuf";
import { type Any, anyPack, anyUnpack } from "@bufbuild/protobuf/wkt";
import { ActorNotFoundError, type ActorSystem, InvalidOptionError, type PID } from "@tsakt/actor";
import { hostOf, typeNameOf } from "@tsakt/actor/internal";
import { remoteOf } from "@tsakt/remote";
import { remoteTypesOf } from "@tsakt/remote/internal";
import { ElementNotSerializableError } from "../errors.js";
import type {
  StreamCancel,
  StreamComplete,
  StreamDemand,
  StreamElement,
  StreamFailure,
  StreamOffer,
} from "../gen/tsakt/streams/v1/streams_pb.js";

/** An element for a receiver in the same system: the value travels as it is (any value, no encoding). */
export class LocalElement {
  constructor(
    readonly streamId: string,
    readonly seq: number,
    readonly value: unknown,
  ) {}
}

/** Tells a receiver's own actor that the origin it watched is gone; queued behind what the origin sent before. */
export class OriginGone {
  constructor(readonly streamId: string) {}
}

/**
 * The actor at `address`: a local one, or a remote PID made without asking its node (references live under /system,
 * which remoting's lookup does not serve; a missing one answers a watch with Terminated). ActorNotFoundError when
 * the address is not local and remoting is not installed.
 */
export function pidOfAddress(system: ActorSystem, address: string): PID {
  const local = system.localActorOf(address);
  if (local !== undefined) return local;
  if (hostOf(system).plugin("remoting") === undefined) throw new ActorNotFoundError(address);
  return remoteOf(system).pidOf(address);
}

/** The address of a reference given as itself or as its address; InvalidOptionError naming "ref" otherwise. */
export function refAddress(ref: unknown, kind: "SourceRef" | "SinkRef"): string {
  const address = typeof ref === "string" ? ref : (ref as { address?: unknown } | null)?.address;
  if (typeof address !== "string" || !address.startsWith("tsakt://"))
    throw new InvalidOptionError("ref", `must be a ${kind} or its address "tsakt://…"`);
  return address;
}

/** True when `pid` is an actor of `system` itself, so elements need no encoding. */
export function isLocalActor(system: ActorSystem, pid: PID): boolean {
  return system.localActorOf(pid.path) === pid;
}

/** The registry of protobuf types remoting knows on `system`, or undefined without remoting. */
function registryOf(system: ActorSystem): Registry | undefined {
  return hostOf(system).plugin("remoting") === undefined ? undefined : remoteTypesOf(system, "remote streams");
}

/** `element` packed for another node; ElementNotSerializableError when it is not a protobuf message remoting knows. */
export function packElement(system: ActorSystem, element: unknown): Any {
  const typeName = (element as { $typeName?: unknown } | null)?.$typeName;
  const schema = typeof typeName === "string" ? registryOf(system)?.getMessage(typeName) : undefined;
  if (schema === undefined) throw new ElementNotSerializableError(typeNameOf(element));
  return anyPack(schema, element as never);
}

/** The element in `any`; ElementNotSerializableError naming its type when this node does not know it. */
export function unpackElement(system: ActorSystem, any: Any | undefined): unknown {
  const registry = registryOf(system);
  const element = any === undefined || registry === undefined ? undefined : anyUnpack(any, registry);
  if (element === undefined) throw new ElementNotSerializableError(any?.typeUrl ?? "an empty payload");
  return element;
}

/** A receiver's cumulative demand. */
export function demandMessage(streamId: string, upTo: number): StreamDemand {
  return { $typeName: "tsakt.streams.v1.StreamDemand", streamId, upTo };
}

/** One element for a receiver on another node. */
export function elementMessage(streamId: string, seq: number, payload: Any): StreamElement {
  return { $typeName: "tsakt.streams.v1.StreamElement", streamId, seq, payload };
}

/** The end of the stream after `count` elements. */
export function completeMessage(streamId: string, count: number): StreamComplete {
  return { $typeName: "tsakt.streams.v1.StreamComplete", streamId, count };
}

/** The failure of the origin's source. */
export function failureMessage(streamId: string, reason: string, code: string): StreamFailure {
  return { $typeName: "tsakt.streams.v1.StreamFailure", streamId, reason, code };
}

/** The receiver's cancel. */
export function cancelMessage(streamId: string, reason: string): StreamCancel {
  return { $typeName: "tsakt.streams.v1.StreamCancel", streamId, reason };
}

/** An origin's offer of its stream to a sink reference. */
export function offerMessage(streamId: string): StreamOffer {
  return { $typeName: "tsakt.streams.v1.StreamOffer", streamId };
}
