import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { AuthenticationError, HandshakeError, IdentityMismatchError } from "../errors.js";
import {
  AuthMethod,
  type Challenge,
  ChallengeSchema,
  type Failure,
  FailureSchema,
  type Handshake,
  HandshakeSchema,
  type Hello,
  HelloSchema,
  Role,
} from "../gen/tsakt/remote/v1/system_pb.js";
import { type InboundEnvelope, KIND_ERROR, KIND_SYSTEM } from "../wire/envelope-codec.js";
import { MessageCodec } from "../wire/proto-codec.js";
import { freshNonce, nonceBytes, type ProofPart, proofMatches, proofOf } from "./auth.js";
import {
  compressionProblem,
  hostPortOf,
  identityOf,
  identityParts,
  identityProblem,
  protocolVersion,
  type RemoteIdentity,
  systemFrame,
} from "./handshake.js";
import { certificateUris, identityUri, namesIdentity } from "./identity.js";
import type { Compression, TransportSettings } from "./settings.js";
import { zstdAvailable } from "./zstd.js";

/** What a handshake needs to know about this node. */
export interface HandshakeSelf {
  readonly options: TransportSettings;
  /** This node's system name, listening port and process id. */
  readonly systemName: string;
  readonly port: number;
  readonly nodeId: string;
}

/** The node a dialer means to reach: its system ("" for any) and the host and port it dials. */
export interface Target {
  readonly system: string;
  readonly host: string;
  readonly port: number;
}

/** A finished handshake: who is at the other end and the compression settled. */
export interface HandshakeResult {
  readonly remote: RemoteIdentity;
  readonly compression: Compression;
}

/** One step of a handshake: the frame to send (if any) and, at the end, the result. */
export interface HandshakeStep {
  readonly send: Buffer | undefined;
  readonly result: HandshakeResult | undefined;
}

const AWAIT_HELLO = 0;
const AWAIT_CHALLENGE = 1;
const AWAIT_DIALER = 2;
const AWAIT_ACCEPTOR = 3;
const DONE = 4;

const codecs = {
  hello: MessageCodec.of(HelloSchema),
  challenge: MessageCodec.of(ChallengeSchema),
  handshake: MessageCodec.of(HandshakeSchema),
  failure: MessageCodec.of(FailureSchema),
};
const expectedType = ["Hello", "Challenge", "Handshake", "Handshake"];
const none = new Uint8Array(0);
const label = { challenge: "tsakt/2 challenge", dialer: "tsakt/2 dialer", acceptor: "tsakt/2 acceptor" };

/**
 * The protocol-2 handshake of one connection. Four frames: the dialer's Hello (nonce, role, the address it dialed),
 * the acceptor's Challenge (nonce, role, proof), the dialer's Handshake (identity, proof) and the acceptor's
 * Handshake (identity, proof). With a shared secret every proof is an HMAC over both nonces, the target and the
 * identities stated so far, and neither side states who it is before the other proved the secret: the acceptor
 * proves first (it reveals only its role), the dialer names itself only to an acceptor that proved. With TLS,
 * each side checks that the other's certificate names the identity it claims.
 */
export class HandshakeSession {
  private phase: number;
  private nonceDialer: Uint8Array = none;
  private nonceAcceptor: Uint8Array = none;
  private key: Buffer | undefined = undefined;
  private target: Target;
  private remoteRole: Role = Role.UNSPECIFIED;
  private dialer: Handshake | undefined = undefined;

  constructor(
    private readonly self: HandshakeSelf,
    private readonly socket: Socket,
    readonly dialed: boolean,
    target: Target | undefined,
    /** Names the other side in errors. */
    private readonly label: string,
  ) {
    this.phase = dialed ? AWAIT_CHALLENGE : AWAIT_HELLO;
    this.target = target ?? { system: "", host: "", port: 0 };
  }

  private get hmac(): boolean {
    return this.self.options.auth !== undefined;
  }

  /** The dialer's first frame. */
  hello(): Buffer {
    this.nonceDialer = freshNonce();
    const t = this.target;
    return systemFrame(HelloSchema, {
      protocolVersion,
      nonce: this.nonceDialer,
      role: this.self.options.role,
      auth: this.hmac ? AuthMethod.HMAC_SHA256 : AuthMethod.NONE,
      targetSystem: t.system,
      targetHost: t.host,
      targetPort: t.port,
    });
  }

  /** Handles the next handshake frame; throws a typed error (HandshakeError, AuthenticationError, IdentityMismatchError) to refuse. */
  receive(buf: Buffer, env: InboundEnvelope): HandshakeStep {
    if (env.kind === KIND_ERROR) throw refusedBy(this.label, codecs.failure.decode(buf, env.payloadStart, env.payloadEnd) as Failure);
    const type = env.kind === KIND_SYSTEM ? buf.toString("utf8", env.typeStart, env.typeEnd) : "";
    const wanted = `tsakt.remote.v1.${expectedType[this.phase] ?? ""}`;
    if (type !== wanted) {
      // A protocol-1 node opens with a Handshake: say which versions meet, not just "unexpected frame".
      if (this.phase === AWAIT_HELLO && type === HandshakeSchema.typeName)
        throw new HandshakeError(this.label, `the other node speaks protocol 1; this node speaks ${protocolVersion} (upgrade both)`);
      throw new HandshakeError(this.label, `expected a ${wanted}, got ${JSON.stringify(type || `envelope kind ${env.kind}`)}`);
    }
    const s = env.payloadStart;
    const e = env.payloadEnd;
    switch (this.phase) {
      case AWAIT_HELLO:
        return this.onHello(codecs.hello.decode(buf, s, e) as Hello);
      case AWAIT_CHALLENGE:
        return this.onChallenge(codecs.challenge.decode(buf, s, e) as Challenge);
      case AWAIT_DIALER:
        return this.onDialer(codecs.handshake.decode(buf, s, e) as Handshake);
      default:
        return this.onAcceptor(codecs.handshake.decode(buf, s, e) as Handshake);
    }
  }

  // ---- acceptor ----

  private onHello(hello: Hello): HandshakeStep {
    const o = this.self.options;
    if (hello.protocolVersion !== protocolVersion)
      throw new HandshakeError(
        this.label,
        `protocol version ${hello.protocolVersion} is not supported (this node speaks ${protocolVersion})`,
      );
    if (hello.nonce.length !== nonceBytes) throw new HandshakeError(this.label, "the Hello's nonce is not 32 bytes");
    if (hello.role !== Role.MEMBER && hello.role !== Role.CLIENT) throw new HandshakeError(this.label, `unknown role ${hello.role}`);
    const mine = this.hmac ? AuthMethod.HMAC_SHA256 : AuthMethod.NONE;
    if (hello.auth !== mine)
      throw new AuthenticationError(
        this.label,
        mine === AuthMethod.HMAC_SHA256
          ? "this node requires the shared secret and the other side offers none"
          : "the other side offers a shared secret and this node has none configured",
      );
    if (o.role === Role.CLIENT && hello.role === Role.CLIENT)
      throw new AuthenticationError(this.label, "a client accepts connections only from members");
    if (hello.role === Role.CLIENT && o.auth !== undefined && o.auth.client === undefined)
      throw new AuthenticationError(this.label, "this node accepts no clients (it has no auth.clientSecret)");
    if (hello.targetSystem !== "" && hello.targetSystem !== this.self.systemName)
      throw new HandshakeError(this.label, `this node runs system "${this.self.systemName}", not "${hello.targetSystem}"`);
    this.target = { system: hello.targetSystem, host: hello.targetHost, port: hello.targetPort };
    // A proof names the address it was made for, so one made for another node (a relay) is refused here.
    if (this.hmac && !this.isSelf(hello.targetHost, hello.targetPort))
      throw new IdentityMismatchError(
        this.label,
        `dialed as ${hostPortOf(hello.targetHost, hello.targetPort)}, but this node is ${hostPortOf(o.advertiseHost, this.self.port)}; dial a node by the address it advertises`,
      );
    this.remoteRole = hello.role;
    this.nonceDialer = hello.nonce;
    this.nonceAcceptor = freshNonce();
    this.key = this.keyFor(hello.role, o.role);
    this.phase = AWAIT_DIALER;
    const proof = this.prove(label.challenge, this.challengeParts(hello.role, o.role));
    return step(systemFrame(ChallengeSchema, { nonce: this.nonceAcceptor, role: o.role, proof }));
  }

  private onDialer(hs: Handshake): HandshakeStep {
    const o = this.self.options;
    const problem = identityProblem(hs);
    if (problem !== undefined) throw new HandshakeError(this.label, problem);
    if (hs.role !== this.remoteRole) throw new HandshakeError(this.label, "the Handshake's role differs from the Hello's");
    this.check(hs.proof, label.dialer, [...this.transcript(), ...identityParts(hs)]);
    const tls = this.verifiedTls(o.tls?.mutual === true);
    if (tls) this.checkCertificate(hs);
    if (hs.role === Role.CLIENT && hs.system === this.self.systemName)
      throw new IdentityMismatchError(this.label, `a client may not use the members' system name "${hs.system}"`);
    // zstd only where this runtime has it (a node that lacks it cannot ask for it: its options are refused).
    const offered = hs.compression.filter(
      (c): c is Compression => c === "none" || c === "gzip" || c === "brotli" || (c === "zstd" && zstdAvailable()),
    );
    const chosen = offered.find((c) => o.compression.includes(c)) ?? "none";
    const own = this.ownHandshake([chosen]);
    own.proof = this.prove(label.acceptor, [...this.transcript(), ...identityParts(hs), ...identityParts(own)]);
    this.phase = DONE;
    return {
      send: systemFrame(HandshakeSchema, own),
      result: { remote: identityOf(hs, this.hmac || tls), compression: chosen },
    };
  }

  // ---- dialer ----

  private onChallenge(challenge: Challenge): HandshakeStep {
    const o = this.self.options;
    if (challenge.nonce.length !== nonceBytes) throw new HandshakeError(this.label, "the Challenge's nonce is not 32 bytes");
    if (challenge.role !== Role.MEMBER && challenge.role !== Role.CLIENT)
      throw new HandshakeError(this.label, `unknown role ${challenge.role}`);
    if (o.role === Role.CLIENT && challenge.role === Role.CLIENT)
      throw new AuthenticationError(this.label, "reached a client, not a member");
    this.remoteRole = challenge.role;
    this.nonceAcceptor = challenge.nonce;
    this.key = this.keyFor(o.role, challenge.role);
    // The acceptor proves first; this node says who it is only to one that knows the secret.
    this.check(challenge.proof, label.challenge, this.challengeParts(o.role, challenge.role));
    const own = this.ownHandshake(o.compression);
    own.expectedSystem = this.target.system;
    own.proof = this.prove(label.dialer, [...this.transcript(), ...identityParts(own)]);
    this.dialer = own;
    this.phase = AWAIT_ACCEPTOR;
    return step(systemFrame(HandshakeSchema, own));
  }

  private onAcceptor(hs: Handshake): HandshakeStep {
    const o = this.self.options;
    const problem = identityProblem(hs) ?? compressionProblem(hs, o.compression);
    if (problem !== undefined) throw new HandshakeError(this.label, problem);
    if (hs.role !== this.remoteRole) throw new HandshakeError(this.label, "the Handshake's role differs from the Challenge's");
    const dialer = this.dialer as Handshake;
    this.check(hs.proof, label.acceptor, [...this.transcript(), ...identityParts(dialer), ...identityParts(hs)]);
    if (this.target.system !== "" && hs.system !== this.target.system)
      throw new HandshakeError(this.label, `reached system "${hs.system}", expected "${this.target.system}"`);
    const tls = this.verifiedTls(o.tls !== undefined);
    if (this.hmac || tls) {
      // The node that answers must be the one dialed: an authenticated node at another address is not it.
      const sameHost = hs.host.toLowerCase() === this.target.host.toLowerCase();
      if (!sameHost || hs.port !== this.target.port)
        throw new IdentityMismatchError(
          this.label,
          `dialed ${hostPortOf(this.target.host, this.target.port)}, but the node there is ${hostPortOf(hs.host, hs.port)}; address nodes by the host and port they advertise`,
        );
    }
    if (tls) this.checkCertificate(hs);
    this.phase = DONE;
    return {
      send: undefined,
      result: { remote: identityOf(hs, this.hmac || tls), compression: (hs.compression[0] ?? "none") as Compression },
    };
  }

  // ---- shared ----

  private ownHandshake(compression: readonly string[]): Handshake {
    const o = this.self.options;
    return {
      $typeName: HandshakeSchema.typeName,
      protocolVersion,
      system: this.self.systemName,
      host: o.advertiseHost,
      port: this.self.port,
      compression: [...compression],
      maxFrameBytes: o.maxFrameBytes,
      expectedSystem: "",
      nodeId: this.self.nodeId,
      role: o.role,
      proof: none,
    };
  }

  /** True when `host`:`port` names this node: its advertised host, or the host it listens on. */
  private isSelf(host: string, port: number): boolean {
    const o = this.self.options;
    const h = host.toLowerCase();
    return port === this.self.port && (h === o.advertiseHost.toLowerCase() || h === o.host.toLowerCase());
  }

  /** The secret a connection between these roles proves: the members' between members, the clients' otherwise. */
  private keyFor(dialer: Role, acceptor: Role): Buffer | undefined {
    const auth = this.self.options.auth;
    if (auth === undefined) return undefined;
    const key = dialer === Role.MEMBER && acceptor === Role.MEMBER ? auth.member : auth.client;
    if (key === undefined)
      throw new AuthenticationError(
        this.label,
        dialer === Role.MEMBER && acceptor === Role.MEMBER ? "this node has no members' secret" : "this node has no auth.clientSecret",
      );
    return key;
  }

  private challengeParts(dialer: Role, acceptor: Role): ProofPart[] {
    return [this.nonceDialer, this.nonceAcceptor, dialer, acceptor, this.target.system, this.target.host, this.target.port];
  }

  /** Both nonces and the target: the part every later proof starts with. */
  private transcript(): ProofPart[] {
    return [this.nonceDialer, this.nonceAcceptor, this.target.system, this.target.host, this.target.port];
  }

  private prove(step: string, parts: readonly ProofPart[]): Uint8Array {
    return this.key === undefined ? none : proofOf(this.key, step, parts);
  }

  private check(given: Uint8Array, step: string, parts: readonly ProofPart[]): void {
    if (this.key === undefined) return;
    if (!proofMatches(proofOf(this.key, step, parts), given))
      throw new AuthenticationError(
        this.label,
        "the other side does not know the shared secret (or its proof does not fit this handshake)",
      );
  }

  /** True when the socket is TLS with a certificate of the other side verified against the trusted CAs and `expected`. */
  private verifiedTls(expected: boolean): boolean {
    const tls = this.socket as TLSSocket;
    if (!expected || tls.encrypted !== true) return false;
    if (tls.authorized !== true) {
      if (this.dialed) return false; // rejectUnauthorized: false — the user chose not to verify the acceptor.
      throw new IdentityMismatchError(this.label, "mutual TLS without a verified client certificate");
    }
    return true;
  }

  private checkCertificate(hs: Handshake): void {
    const claimed = { role: hs.role, system: hs.system, host: hs.host, port: hs.port };
    const uris = certificateUris(this.socket as TLSSocket);
    if (!namesIdentity(uris, claimed))
      throw new IdentityMismatchError(
        this.label,
        `its certificate names ${uris.length === 0 ? "no tsakt identity" : uris.join(", ")}, not ${identityUri(claimed)} it claims; issue each node a certificate with the URI subjectAltName ${identityUri(claimed)}`,
      );
  }
}

function step(send: Buffer): HandshakeStep {
  return { send, result: undefined };
}

/** The local error for the other side's refusal of this handshake. */
function refusedBy(label: string, failure: Failure): Error {
  const reason = `refused: ${failure.message}`;
  switch (failure.code) {
    case "AuthenticationFailed":
      return new AuthenticationError(label, reason);
    case "IdentityMismatch":
      return new IdentityMismatchError(label, reason);
    default:
      return new HandshakeError(label, reason);
  }
}
