import { create, toBinary } from "@bufbuild/protobuf";
import { EnvelopeKind, EnvelopeSchema } from "../gen/tsakt/remote/v1/envelope_pb.js";
import { FailureSchema, type Handshake, HandshakeSchema } from "../gen/tsakt/remote/v1/system_pb.js";
import type { Compression } from "./settings.js";

/** Wire protocol version in the handshake. */
export const protocolVersion = 1;

/** Largest frame accepted before the handshake, so an unauthenticated client cannot make this node buffer much. */
export const handshakeFrameLimit = 64 * 1024;

/** What the other side said about itself in its handshake. */
export interface RemoteIdentity {
  readonly system: string;
  readonly host: string;
  readonly port: number;
  readonly nodeId: string;
  readonly maxFrameBytes: number;
  /** "tsakt://system@host:port" as that node names itself. */
  readonly prefix: string;
  readonly hostPort: string;
}

/** What this node says about itself in its handshake. */
export interface LocalIdentity {
  readonly system: string;
  /** The host other nodes reach this node at (advertiseHost). */
  readonly host: string;
  readonly port: number;
  readonly maxFrameBytes: number;
  readonly nodeId: string;
}

/** A whole frame as bytes, for the rare frames not written through a peer's FrameWriter. */
export function frameOf(bytes: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(4 + bytes.length);
  frame.writeUInt32BE(bytes.length, 0);
  frame.set(bytes, 4);
  return frame;
}

/** The frame an idle connection sends so that the other side knows it is alive. */
export const heartbeatFrame = frameOf(
  toBinary(EnvelopeSchema, create(EnvelopeSchema, { kind: EnvelopeKind.SYSTEM, typeName: "tsakt.remote.v1.Heartbeat" })),
);

/**
 * This node's handshake frame: `compression` is what it offers (dialing, preferred first) or the one it chose
 * (accepting); `expectedSystem` the system it means to reach ("" for any).
 */
export function handshakeFrame(self: LocalIdentity, compression: readonly string[], expectedSystem: string): Buffer {
  const hs = create(HandshakeSchema, {
    protocolVersion,
    system: self.system,
    host: self.host,
    port: self.port,
    compression: [...compression],
    maxFrameBytes: self.maxFrameBytes,
    expectedSystem,
    nodeId: self.nodeId,
  });
  const env = create(EnvelopeSchema, {
    kind: EnvelopeKind.SYSTEM,
    typeName: HandshakeSchema.typeName,
    payload: toBinary(HandshakeSchema, hs),
  });
  return frameOf(toBinary(EnvelopeSchema, env));
}

/** The ERROR frame an acceptor answers a handshake it refuses with, naming `reason`. */
export function refusalFrame(reason: string): Buffer {
  const env = create(EnvelopeSchema, {
    kind: EnvelopeKind.ERROR,
    typeName: FailureSchema.typeName,
    payload: toBinary(FailureSchema, create(FailureSchema, { code: "HandshakeFailed", message: reason })),
  });
  return frameOf(toBinary(EnvelopeSchema, env));
}

/**
 * What is wrong with the other side's handshake `hs`, or undefined. An acceptor (`dialed` false) checks that a
 * dialer expecting a system expects `localSystem`; a dialer checks that it reached `expectedSystem` ("" for any)
 * and that the acceptor chose one of the compressions in `offered`.
 */
export function handshakeProblem(
  hs: Handshake,
  dialed: boolean,
  localSystem: string,
  expectedSystem: string,
  offered: readonly Compression[],
): string | undefined {
  if (hs.protocolVersion !== protocolVersion)
    return `protocol version ${hs.protocolVersion} is not supported (this node speaks ${protocolVersion})`;
  if (hs.system === "" || hs.host === "" || hs.port < 1 || hs.port > 65535) return "the handshake lacks the node's system, host or port";
  if (hs.maxFrameBytes < 1024) return `maxFrameBytes ${hs.maxFrameBytes} is too small`;
  if (!dialed && hs.expectedSystem !== "" && hs.expectedSystem !== localSystem)
    return `this node runs system "${localSystem}", not "${hs.expectedSystem}"`;
  if (dialed) {
    if (expectedSystem !== "" && hs.system !== expectedSystem) return `reached system "${hs.system}", expected "${expectedSystem}"`;
    const chosen = hs.compression[0] ?? "none";
    if (hs.compression.length > 1 || (chosen !== "none" && !offered.includes(chosen as Compression)))
      return `the acceptor chose compression ${JSON.stringify(hs.compression)}, which this node did not offer`;
  }
  return undefined;
}

/** The identity a valid handshake states. */
export function identityOf(hs: Handshake): RemoteIdentity {
  const hostPort = hs.host.includes(":") ? `[${hs.host}]:${hs.port}` : `${hs.host}:${hs.port}`;
  return {
    system: hs.system,
    host: hs.host,
    port: hs.port,
    nodeId: hs.nodeId,
    maxFrameBytes: hs.maxFrameBytes,
    hostPort,
    prefix: `tsakt://${hs.system}@${hostPort}`,
  };
}
