import { create, type DescMessage, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { EnvelopeKind, EnvelopeSchema } from "../gen/tsakt/remote/v1/envelope_pb.js";
import { FailureSchema, type Handshake, Role } from "../gen/tsakt/remote/v1/system_pb.js";
import type { Compression } from "./settings.js";

/** Wire protocol version in the Hello. 2: authenticated handshake (Hello, Challenge, Handshake, Handshake). */
export const protocolVersion = 2;

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
  /** Member or client. */
  readonly role: Role;
  /** True when a shared secret or a verified certificate backs the identity; false when it is only what the node said. */
  readonly authenticated: boolean;
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

/** A SYSTEM frame carrying one handshake message (Hello, Challenge or Handshake). */
export function systemFrame<D extends DescMessage>(schema: D, init: MessageInitShape<D>): Buffer {
  const env = create(EnvelopeSchema, {
    kind: EnvelopeKind.SYSTEM,
    typeName: schema.typeName,
    payload: toBinary(schema, create(schema, init)),
  });
  return frameOf(toBinary(EnvelopeSchema, env));
}

/** The ERROR frame a node answers a handshake it refuses with, naming `code` and `reason`. */
export function refusalFrame(code: string, reason: string): Buffer {
  const env = create(EnvelopeSchema, {
    kind: EnvelopeKind.ERROR,
    typeName: FailureSchema.typeName,
    payload: toBinary(FailureSchema, create(FailureSchema, { code, message: reason })),
  });
  return frameOf(toBinary(EnvelopeSchema, env));
}

/** "host:port", with an IPv6 host in brackets. */
export function hostPortOf(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** What is wrong with the identity fields of a Handshake, or undefined. */
export function identityProblem(hs: Handshake): string | undefined {
  if (hs.system === "" || hs.host === "" || hs.port < 1 || hs.port > 65535) return "the handshake lacks the node's system, host or port";
  if (hs.maxFrameBytes < 1024) return `maxFrameBytes ${hs.maxFrameBytes} is too small`;
  if (hs.role !== Role.MEMBER && hs.role !== Role.CLIENT) return `unknown role ${hs.role}`;
  return undefined;
}

/** What is wrong with the compression an acceptor chose, given what this dialer `offered`, or undefined. */
export function compressionProblem(hs: Handshake, offered: readonly Compression[]): string | undefined {
  const chosen = hs.compression[0] ?? "none";
  if (hs.compression.length > 1 || (chosen !== "none" && !offered.includes(chosen as Compression)))
    return `the acceptor chose compression ${JSON.stringify(hs.compression)}, which this node did not offer`;
  return undefined;
}

/** The identity a valid handshake states; `authenticated` when a secret or a certificate backs it. */
export function identityOf(hs: Handshake, authenticated: boolean): RemoteIdentity {
  const hostPort = hostPortOf(hs.host, hs.port);
  return {
    system: hs.system,
    host: hs.host,
    port: hs.port,
    nodeId: hs.nodeId,
    maxFrameBytes: hs.maxFrameBytes,
    hostPort,
    prefix: `tsakt://${hs.system}@${hostPort}`,
    role: hs.role,
    authenticated,
  };
}

/** The values of a Handshake bound into the proofs, in a fixed order. */
export function identityParts(hs: Handshake): Array<string | number> {
  return [hs.role, hs.system, hs.host, hs.port, hs.nodeId, hs.maxFrameBytes, hs.compression.join(",")];
}
