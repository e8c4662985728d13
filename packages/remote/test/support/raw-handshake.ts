import { createHmac, randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  AuthMethod,
  ChallengeSchema,
  type Envelope,
  EnvelopeKind,
  EnvelopeSchema,
  FailureSchema,
  type Handshake,
  HandshakeSchema,
  HelloSchema,
  Role,
} from "@tsakt/remote/internal";
import { frame } from "./frames.js";

/** What a raw protocol-2 dialer claims and proves. */
export interface RawDialOptions {
  /** Port of the node to dial on 127.0.0.1. */
  port: number;
  /** Identity claimed in the Handshake. */
  system: string;
  host?: string;
  claimedPort: number;
  nodeId: string;
  role?: Role;
  /** The secret proofs are made with (a member's or a client's); none: the Hello offers no authentication. */
  secret?: string;
  /** Offer HMAC without knowing the secret (proofs of random bytes). */
  pretendSecret?: boolean;
  /** Where the Hello says it dialed. Default: 127.0.0.1:`port`, any system. */
  target?: { system?: string; host?: string; port?: number };
  tls?: { cert: Buffer; key: Buffer; ca: Buffer };
  /** Called with every envelope received after the handshake. */
  onEnvelope?: (envelope: Envelope) => void;
}

/** A raw connection after its handshake attempt. */
export interface RawSession {
  readonly socket: Socket;
  /** The acceptor's Handshake when the handshake completed. */
  readonly acceptor: Handshake | undefined;
  /** The acceptor's refusal ({ code, message }), or "closed" when the socket closed without one, or "timeout". */
  readonly refused: { code: string; message: string } | "closed" | "timeout" | undefined;
  /** Bytes received after the handshake completed. */
  received(): number;
  /** The raw bytes this side wrote (to replay them). */
  readonly written: Buffer[];
  /** The whole frames the acceptor sent during the handshake (to replay them). */
  readonly answers: Buffer[];
}

function part(p: string | number | Uint8Array): Buffer {
  const bytes = typeof p === "string" ? Buffer.from(p, "utf8") : typeof p === "number" ? Buffer.from(String(p)) : Buffer.from(p);
  const length = Buffer.allocUnsafe(4);
  length.writeUInt32BE(bytes.length, 0);
  return Buffer.concat([length, bytes]);
}

/** The proof the protocol defines: HMAC-SHA256 of the label and the length-prefixed parts (written from the spec, not the library). */
export function rawProof(secret: string, label: string, parts: Array<string | number | Uint8Array>): Buffer {
  const mac = createHmac("sha256", Buffer.from(secret));
  mac.update(part(label));
  for (const p of parts) mac.update(part(p));
  return mac.digest();
}

function identityParts(hs: Pick<Handshake, "role" | "system" | "host" | "port" | "nodeId" | "maxFrameBytes" | "compression">) {
  return [hs.role, hs.system, hs.host, hs.port, hs.nodeId, hs.maxFrameBytes, hs.compression.join(",")];
}

function systemFrame(typeName: string, payload: Uint8Array): Buffer {
  return frame(toBinary(EnvelopeSchema, create(EnvelopeSchema, { kind: EnvelopeKind.SYSTEM, typeName, payload })));
}

/** Dials a node and runs the protocol-2 handshake as the options say, answering whatever proof it can. */
export function rawDial(o: RawDialOptions, timeoutMs = 5000): Promise<RawSession> {
  const written: Buffer[] = [];
  const answers: Buffer[] = [];
  const socket: Socket =
    o.tls === undefined
      ? connect({ host: "127.0.0.1", port: o.port })
      : tlsConnect({ host: "127.0.0.1", port: o.port, ...o.tls, checkServerIdentity: () => undefined });
  const write = (b: Buffer) => {
    written.push(b);
    socket.write(b);
  };
  const role = o.role ?? Role.MEMBER;
  const target = { system: o.target?.system ?? "", host: o.target?.host ?? "127.0.0.1", port: o.target?.port ?? o.port };
  const nonceD = randomBytes(32);
  const hmac = o.secret !== undefined || o.pretendSecret === true;
  let after = 0;
  let done = false;
  let pending: Buffer = Buffer.alloc(0);
  let mine: Handshake | undefined;
  return new Promise<RawSession>((resolve) => {
    const finish = (acceptor: Handshake | undefined, refused: RawSession["refused"]) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ socket, acceptor, refused, received: () => after, written, answers });
    };
    const timer = setTimeout(() => finish(undefined, "timeout"), timeoutMs);
    socket.on("error", () => {});
    socket.on("close", () => finish(undefined, "closed"));
    const start = () =>
      write(
        systemFrame(
          HelloSchema.typeName,
          toBinary(
            HelloSchema,
            create(HelloSchema, {
              protocolVersion: 2,
              nonce: nonceD,
              role,
              auth: hmac ? AuthMethod.HMAC_SHA256 : AuthMethod.NONE,
              targetSystem: target.system,
              targetHost: target.host,
              targetPort: target.port,
            }),
          ),
        ),
      );
    if (o.tls === undefined) socket.once("connect", start);
    else socket.once("secureConnect", start);
    /** After the handshake: counts bytes and hands whole frames to onEnvelope. */
    const afterHandshake = (chunk: Buffer) => {
      after += chunk.length;
      if (o.onEnvelope === undefined) return;
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
        const n = pending.readUInt32BE(0);
        o.onEnvelope(fromBinary(EnvelopeSchema, pending.subarray(4, 4 + n)));
        pending = pending.subarray(4 + n);
      }
    };
    socket.on("data", (chunk: Buffer) => {
      if (done) {
        afterHandshake(chunk);
        return;
      }
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
        const whole = pending.subarray(0, 4 + pending.readUInt32BE(0));
        answers.push(Buffer.from(whole));
        const env = fromBinary(EnvelopeSchema, whole.subarray(4));
        pending = pending.subarray(whole.length);
        if (env.kind === EnvelopeKind.ERROR) {
          const f = fromBinary(FailureSchema, env.payload);
          finish(undefined, { code: f.code, message: f.message });
          return;
        }
        if (env.typeName === ChallengeSchema.typeName) {
          const challenge = fromBinary(ChallengeSchema, env.payload);
          const hs = create(HandshakeSchema, {
            protocolVersion: 2,
            system: o.system,
            host: o.host ?? "127.0.0.1",
            port: o.claimedPort,
            compression: ["none"],
            maxFrameBytes: 1 << 20,
            nodeId: o.nodeId,
            role,
            expectedSystem: target.system,
          });
          const transcript = [nonceD, challenge.nonce, target.system, target.host, target.port];
          hs.proof =
            o.secret !== undefined
              ? rawProof(o.secret, "tsakt/2 dialer", [...transcript, ...identityParts(hs)])
              : hmac
                ? randomBytes(32)
                : new Uint8Array(0);
          mine = hs;
          write(systemFrame(HandshakeSchema.typeName, toBinary(HandshakeSchema, hs)));
        } else if (env.typeName === HandshakeSchema.typeName && mine !== undefined) {
          finish(fromBinary(HandshakeSchema, env.payload), undefined);
          const rest = pending;
          pending = Buffer.alloc(0);
          if (rest.length > 0) afterHandshake(rest);
          return;
        }
      }
    });
  });
}
