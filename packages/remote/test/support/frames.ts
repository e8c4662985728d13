import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import { create, toBinary } from "@bufbuild/protobuf";
import { AuthMethod, ChallengeSchema, EnvelopeKind, EnvelopeSchema, HandshakeSchema, HelloSchema, Role } from "@tsakt/remote/internal";

/** `u32 length | bytes`. */
export function frame(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + bytes.length);
  out.writeUInt32BE(bytes.length, 0);
  out.set(bytes, 4);
  return out;
}

/** A raw Envelope frame with any field values, valid or not. */
export function envelopeFrame(fields: Parameters<typeof create<typeof EnvelopeSchema>>[1]): Buffer {
  return frame(toBinary(EnvelopeSchema, create(EnvelopeSchema, fields)));
}

/** Identity fields of a raw handshake. */
export interface RawIdentity {
  system?: string;
  host?: string;
  port?: number;
  nodeId?: string;
  compression?: string[];
  expectedSystem?: string;
  role?: Role;
}

function identityFrame(o: RawIdentity): Buffer {
  const hs = create(HandshakeSchema, {
    protocolVersion: 2,
    system: o.system ?? "fuzz",
    host: o.host ?? "127.0.0.1",
    port: o.port ?? 1,
    compression: o.compression ?? ["none"],
    maxFrameBytes: 1 << 20,
    expectedSystem: o.expectedSystem ?? "",
    nodeId: o.nodeId ?? "fuzz",
    role: o.role ?? Role.MEMBER,
  });
  return envelopeFrame({ kind: EnvelopeKind.SYSTEM, typeName: HandshakeSchema.typeName, payload: toBinary(HandshakeSchema, hs) });
}

/**
 * What a dialing node sends without a secret, all at once: its Hello (protocol 2, no authentication) and its
 * Handshake. A node without auth reads them in order, so a raw client need not wait for the Challenge.
 */
export function handshakeFrame(o: RawIdentity): Buffer {
  const hello = create(HelloSchema, {
    protocolVersion: 2,
    nonce: randomBytes(32),
    role: o.role ?? Role.MEMBER,
    auth: AuthMethod.NONE,
    targetSystem: o.expectedSystem ?? "",
  });
  return Buffer.concat([
    envelopeFrame({ kind: EnvelopeKind.SYSTEM, typeName: HelloSchema.typeName, payload: toBinary(HelloSchema, hello) }),
    identityFrame(o),
  ]);
}

/** What a fake acceptor without a secret answers a node's Hello with, all at once: its Challenge and its Handshake. */
export function acceptorFrames(o: RawIdentity): Buffer {
  const challenge = create(ChallengeSchema, { nonce: randomBytes(32), role: o.role ?? Role.MEMBER });
  return Buffer.concat([
    envelopeFrame({ kind: EnvelopeKind.SYSTEM, typeName: ChallengeSchema.typeName, payload: toBinary(ChallengeSchema, challenge) }),
    identityFrame(o),
  ]);
}

/** Connects a raw socket to 127.0.0.1:port that swallows whatever the server sends. */
export function rawSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port }, () => resolve(socket));
    socket.on("error", reject);
    socket.on("data", () => {});
  });
}

/** Resolves when `socket` closed, or after `ms` (then destroys it); true when the other side closed it first. */
export function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  if (socket.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, ms);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** A seeded xorshift generator in [0, 1), so a failing fuzz run is reproducible. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}
