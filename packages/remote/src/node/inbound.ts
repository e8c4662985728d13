import { create } from "@bufbuild/protobuf";
import { ActorNotFoundError, type ActorSystem, DeadActorError, type Kind, type PID, TerminatedSchema } from "@tsakt/actor";
import { TellOnlyPID } from "@tsakt/actor/internal";
import { AccessDeniedError, KindNotRegisteredError, RemoteFailureError, SerializationError, UnknownMessageTypeError } from "../errors.js";
import {
  ActorRefSchema,
  type Failure,
  FailureSchema,
  type Lookup,
  LookupSchema,
  type Spawn,
  SpawnSchema,
  type Stop,
  StoppedSchema,
  StopSchema,
  type Unwatch,
  UnwatchSchema,
  type Watch,
  WatchSchema,
} from "../gen/tsakt/remote/v1/system_pb.js";
import type { EnvelopeHandler } from "../transport/connection.js";
import type { Peer, PeerConnection } from "../transport/peer.js";
import { type InboundEnvelope, KIND_ASK, KIND_ERROR, KIND_REPLY, KIND_SYSTEM, KIND_TELL, sameBytes } from "../wire/envelope-codec.js";
import { MessageCodec } from "../wire/proto-codec.js";
import type { PayloadDecoder, Serialization } from "../wire/serialization.js";
import type { ClientAccess } from "./access.js";
import { parseRemoteAddress, type RemoteAddress } from "./address.js";
import { askFailedOf } from "./ask-failure.js";
import type { InboundRoutes } from "./inbound-routes.js";
import type { Outbound } from "./outbound.js";
import type { PendingAsks } from "./pending-asks.js";
import type { MetadataCarrier } from "./propagation.js";
import { AnonymousSender, type PidHost, pathOf, RemotePID, ReplyPID } from "./remote-pid.js";
import type { RemoteWatches } from "./remote-watches.js";
import type { RemoteTracer } from "./tracing.js";
import { WatchCommand } from "./watch-registry.js";

/** What inbound routing needs from its node (RemoteNode implements it). */
export interface InboundHost extends PidHost {
  /** This node's address prefix and system name, to recognize local addresses. */
  readonly address: string;
  readonly systemName: string;
  /** The system whose actors receive what arrives. */
  readonly actorSystem: ActorSystem;
  readonly asks: PendingAsks;
  readonly serialization: Serialization;
  /** Kinds other nodes may spawn here. */
  readonly kinds: ReadonlyMap<string, Kind>;
  readonly watches: RemoteWatches;
  /** The peer for a remote address (a sender on a third node). */
  peerOf(address: RemoteAddress): Peer;
  /** Hands a peer's Watch or Unwatch of a local actor to the watch registry. */
  watchCommand(command: WatchCommand): void;
  /** What client connections may reach. */
  readonly access: ClientAccess;
  /** Receivers of routed paths under system actors, looked up before the actor tree. */
  readonly routes: InboundRoutes;
  /** Present when the tracing option is set. */
  readonly tracer: RemoteTracer | undefined;
  /** Records that a client connection was refused `target` (logged at most once per interval). */
  denied(c: PeerConnection, error: AccessDeniedError): void;
}

/** Stands in for a message that could not be decoded, so dead letters still name its type. */
class UndecodedMessage {
  constructor(readonly $typeName: string) {}
}

/** Receiver of a tell addressed to "/$ask/<id>": a reply that reached the asker through a third node. */
class AskCompletion extends TellOnlyPID {
  constructor(
    private readonly node: InboundHost,
    private readonly id: number,
  ) {
    super();
  }

  get name(): string {
    return String(this.id);
  }

  get path(): string {
    return `/$ask/${this.id}`;
  }

  get address(): string {
    return this.node.address + this.path;
  }

  tell(message: unknown): boolean {
    const ask = this.node.asks.take(this.id);
    if (ask === undefined) return false;
    ask.resolve(message);
    return true;
  }

  isAlive(): boolean {
    return false;
  }
}

/** Remoting requests a client connection may make; spawn and stop are for members. */
const clientSystemTypes: ReadonlySet<string> = new Set([
  "tsakt.remote.v1.Heartbeat",
  LookupSchema.typeName,
  WatchSchema.typeName,
  UnwatchSchema.typeName,
  TerminatedSchema.typeName,
]);

const codecs = {
  lookup: MessageCodec.of(LookupSchema),
  spawn: MessageCodec.of(SpawnSchema),
  stop: MessageCodec.of(StopSchema),
  watch: MessageCodec.of(WatchSchema),
  unwatch: MessageCodec.of(UnwatchSchema),
  terminated: MessageCodec.of(TerminatedSchema),
  failure: MessageCodec.of(FailureSchema),
};

/**
 * Routes what peers send: tells and asks to local actors (with a sender reference per message that carries its
 * metadata), replies and failures to pending asks, and remoting requests (lookup, spawn, stop, watch).
 */
export class Inbound implements EnvelopeHandler<Peer> {
  constructor(
    private readonly node: InboundHost,
    private readonly out: Outbound,
  ) {}

  /** Routes one decoded envelope of `c`. */
  onEnvelope(c: PeerConnection, buf: Buffer, env: InboundEnvelope): void {
    switch (env.kind) {
      case KIND_TELL:
      case KIND_ASK:
        this.deliver(c, buf, env);
        return;
      case KIND_REPLY:
        this.onReply(c, buf, env);
        return;
      case KIND_ERROR:
        this.onFailure(c, buf, env);
        return;
      case KIND_SYSTEM:
        this.onSystem(c, buf, env);
        return;
      default:
        this.node.deadLetter(
          new UndecodedMessage(this.typeNameIn(c, buf, env)),
          undefined,
          "(remote)",
          `unknown envelope kind ${env.kind}`,
        );
    }
  }

  private deliver(c: PeerConnection, buf: Buffer, env: InboundEnvelope): void {
    const peer = c.peer as Peer;
    const isAsk = env.kind === KIND_ASK;
    const corr = isAsk ? env.correlationId : 0;
    const target = this.receiverOf(c, buf, env);
    if (target === undefined) {
      const receiver = c.receiverAddress;
      if (c.receiverDenied) {
        this.deny(c, corr, receiver, this.typeNameIn(c, buf, env));
        return;
      }
      this.out.sendFailure(peer, corr, new ActorNotFoundError(receiver));
      this.node.deadLetter(new UndecodedMessage(this.typeNameIn(c, buf, env)), undefined, receiver, "no such actor");
      return;
    }
    const decoder = this.decoderOf(c, buf, env);
    if (decoder === undefined) {
      const typeName = this.typeNameIn(c, buf, env);
      this.out.sendFailure(peer, corr, new UnknownMessageTypeError(typeName, `at ${this.node.address}`));
      this.node.deadLetter(new UndecodedMessage(typeName), undefined, c.receiverAddress, "no serializer for its type");
      return;
    }
    let message: unknown;
    try {
      message = decoder.decode(buf, env.payloadStart, env.payloadEnd);
    } catch (error) {
      const e = new SerializationError(c.typeName, error);
      this.out.sendFailure(peer, corr, e);
      this.node.deadLetter(new UndecodedMessage(c.typeName), undefined, c.receiverAddress, e.message);
      return;
    }
    let sender: PID | undefined;
    if (isAsk) sender = new ReplyPID(this.node, peer, corr, env.deadlineMs > 0 ? performance.now() + env.deadlineMs : 0, env.metadata);
    else if (env.senderEnd > env.senderStart) sender = this.senderOf(c, buf, env);
    else if (env.metadata !== undefined) sender = new AnonymousSender(this.node, env.metadata);
    const tracer = this.node.tracer;
    if (tracer !== undefined && env.metadata !== undefined) {
      this.deliverTraced(tracer, env.metadata, c, target, message, sender as PID & MetadataCarrier, corr);
      return;
    }
    if (!target.tell(message, sender) && isAsk) this.undelivered(peer, corr, target);
  }

  /** Delivers inside a `receive <type>` span, whose context is what propagatedContextOf gives the actor. */
  private deliverTraced(
    tracer: RemoteTracer,
    metadata: Readonly<Record<string, string>>,
    c: PeerConnection,
    target: PID,
    message: unknown,
    sender: PID & MetadataCarrier,
    corr: number,
  ): void {
    const received = tracer.startReceive(metadata, c.typeName, c.receiverAddress, corr !== 0);
    if (received !== undefined) sender.presetContext(received.context);
    const delivered = target.tell(message, sender);
    if (received !== undefined) tracer.endReceive(received.span, delivered);
    if (!delivered && corr !== 0) this.undelivered(c.peer as Peer, corr, target);
  }

  /** Fails an ask whose target did not take it: a full mailbox or a stopped actor. */
  private undelivered(peer: Peer, corr: number, target: PID): void {
    this.out.sendFailure(
      peer,
      corr,
      target.isAlive()
        ? new RemoteFailureError("MailboxFull", `mailbox of ${target.address} is full`, this.node.address)
        : new DeadActorError(target.address),
    );
  }

  /** The local receiver of the envelope; the last one is cached per connection by its bytes. */
  private receiverOf(c: PeerConnection, buf: Buffer, env: InboundEnvelope): PID | undefined {
    const s = env.receiverStart;
    const e = env.receiverEnd;
    const cached = c.receiverBytes;
    if (cached !== undefined && sameBytes(buf, s, e, cached)) {
      const pid = c.receiverPid;
      if (pid?.isAlive()) return pid;
      // Denied before: look again, since a plugin may have opened that system actor to clients meanwhile (a gateway
      // that started after the client's first hello), and what is open stays open.
      if (c.receiverDenied && this.deniedToClient(c)) return undefined;
    } else {
      c.receiverAddress = buf.toString("utf8", s, e);
      c.receiverBytes = Buffer.from(buf.subarray(s, e));
      // A client's receivers are checked once per new receiver: members pay nothing, clients one check per change.
      if (this.deniedToClient(c)) {
        c.receiverPid = undefined;
        return undefined;
      }
    }
    const pid = this.resolveLocal(c.receiverAddress);
    c.receiverPid = pid;
    return pid;
  }

  /** Notes on `c` and returns whether it is a client connection that may not reach its current receiver. */
  private deniedToClient(c: PeerConnection): boolean {
    c.receiverDenied = c.isClient && !this.node.access.allows(this.localPath(c.receiverAddress) ?? "");
    return c.receiverDenied;
  }

  /** Refuses what a client connection sent to a members-only actor or operation. */
  private deny(c: PeerConnection, corr: number, target: string, typeName: string): void {
    const error = new AccessDeniedError(target, c.remote?.prefix ?? c.label);
    this.out.sendFailure(c.peer as Peer, corr, error);
    this.node.deadLetter(new UndecodedMessage(typeName), undefined, target, error.message);
    this.node.denied(c, error);
  }

  private decoderOf(c: PeerConnection, buf: Buffer, env: InboundEnvelope): PayloadDecoder | undefined {
    const s = env.typeStart;
    const e = env.typeEnd;
    const cached = c.typeBytes;
    if (cached !== undefined && sameBytes(buf, s, e, cached)) return c.decoder;
    c.typeName = buf.toString("utf8", s, e);
    c.typeBytes = Buffer.from(buf.subarray(s, e));
    c.decoder = e > s ? this.node.serialization.decoderOf(c.typeName) : undefined;
    return c.decoder;
  }

  private typeNameIn(c: PeerConnection, buf: Buffer, env: InboundEnvelope): string {
    const cached = c.typeBytes;
    if (cached !== undefined && sameBytes(buf, env.typeStart, env.typeEnd, cached)) return c.typeName;
    return buf.toString("utf8", env.typeStart, env.typeEnd);
  }

  private senderOf(c: PeerConnection, buf: Buffer, env: InboundEnvelope): PID {
    const s = env.senderStart;
    const e = env.senderEnd;
    const cached = c.senderBytes;
    if (cached === undefined || !sameBytes(buf, s, e, cached)) {
      c.senderAddress = buf.toString("utf8", s, e);
      c.senderBytes = Buffer.from(buf.subarray(s, e));
    }
    const address = c.senderAddress;
    let peer = c.peer as Peer;
    const prefix = peer.prefix;
    if (!(address.startsWith(prefix) && address.charCodeAt(prefix.length) === 47)) {
      const parsed = parseRemoteAddress(address);
      if (parsed !== undefined) peer = parsed.node === this.node.address ? peer : this.node.peerOf(parsed);
    }
    return new RemotePID(this.node, peer, address, env.metadata);
  }

  /** The path on this node that `address` names ("/user/a"), or undefined when it names another node. */
  private localPath(address: string): string | undefined {
    const prefix = this.node.address;
    if (address.startsWith(prefix) && address.charCodeAt(prefix.length) === 47) return address.slice(prefix.length);
    if (address.startsWith("/")) return address;
    const parsed = parseRemoteAddress(address);
    // Another host name for this node is fine; another system is not this node.
    return parsed === undefined || parsed.system !== this.node.systemName ? undefined : parsed.path;
  }

  /** The local actor (or ask completion, temporary sender, or routed receiver) at `address`. */
  resolveLocal(address: string): PID | undefined {
    const path = this.localPath(address);
    if (path === undefined) return undefined;
    if (path.startsWith("/$ask/")) {
      const id = Number(path.slice(6));
      return Number.isInteger(id) && id > 0 ? new AskCompletion(this.node, id) : undefined;
    }
    if (path.startsWith("/$tmp/")) return this.out.tempSender(Number(path.slice(6)));
    if (path === "") return undefined;
    const routed = this.node.routes.resolve(path);
    if (routed !== undefined) return routed ?? undefined;
    return this.node.actorSystem.localActorOf(path);
  }

  private onReply(c: PeerConnection, buf: Buffer, env: InboundEnvelope): void {
    const ask = this.node.asks.takeFrom(env.correlationId, c.peer);
    if (ask === undefined) {
      this.node.deadLetter(
        new UndecodedMessage(this.typeNameIn(c, buf, env)),
        undefined,
        `${this.node.address}/$ask/${env.correlationId}`,
        "reply after the ask ended",
      );
      return;
    }
    const decoder = this.decoderOf(c, buf, env);
    if (decoder === undefined) {
      ask.reject(new UnknownMessageTypeError(c.typeName, `in a reply from ${ask.target}`));
      this.node.deadLetter(new UndecodedMessage(c.typeName), undefined, ask.target, "no serializer for its type");
      return;
    }
    let value: unknown;
    try {
      value = decoder.decode(buf, env.payloadStart, env.payloadEnd);
    } catch (error) {
      ask.reject(new SerializationError(c.typeName, error));
      return;
    }
    ask.resolve(value);
  }

  private onFailure(c: PeerConnection, buf: Buffer, env: InboundEnvelope): void {
    const ask = this.node.asks.takeFrom(env.correlationId, c.peer);
    if (ask === undefined) return;
    let failure: Failure;
    try {
      failure = codecs.failure.decode(buf, env.payloadStart, env.payloadEnd) as Failure;
    } catch (error) {
      ask.reject(new SerializationError(FailureSchema.typeName, error));
      return;
    }
    ask.reject(errorOf(failure, ask.target));
  }

  private onSystem(c: PeerConnection, buf: Buffer, env: InboundEnvelope): void {
    const peer = c.peer as Peer;
    const typeName = buf.toString("utf8", env.typeStart, env.typeEnd);
    const corr = env.correlationId;
    if (c.isClient && !clientSystemTypes.has(typeName)) {
      this.deny(c, corr, `${this.node.address} (${typeName})`, typeName);
      return;
    }
    try {
      switch (typeName) {
        case "tsakt.remote.v1.Heartbeat":
          return;
        case LookupSchema.typeName: {
          const { path } = codecs.lookup.decode(buf, env.payloadStart, env.payloadEnd) as Lookup;
          const pid = path.startsWith("/user/") ? this.node.actorSystem.localActorOf(path) : undefined;
          if (pid === undefined || !pid.isAlive()) this.out.sendFailure(peer, corr, new ActorNotFoundError(this.node.address + path));
          else this.out.sendSystem(peer, ActorRefSchema, create(ActorRefSchema, { address: pid.address }), corr, KIND_REPLY);
          return;
        }
        case SpawnSchema.typeName:
          void this.onSpawn(peer, corr, codecs.spawn.decode(buf, env.payloadStart, env.payloadEnd) as Spawn);
          return;
        case StopSchema.typeName:
          void this.onStop(peer, corr, (codecs.stop.decode(buf, env.payloadStart, env.payloadEnd) as Stop).path);
          return;
        case WatchSchema.typeName:
          this.node.watchCommand(
            new WatchCommand("watch", (codecs.watch.decode(buf, env.payloadStart, env.payloadEnd) as Watch).path, peer),
          );
          return;
        case UnwatchSchema.typeName:
          this.node.watchCommand(
            new WatchCommand("unwatch", (codecs.unwatch.decode(buf, env.payloadStart, env.payloadEnd) as Unwatch).path, peer),
          );
          return;
        case TerminatedSchema.typeName: {
          const { address } = codecs.terminated.decode(buf, env.payloadStart, env.payloadEnd) as unknown as { address: string };
          this.node.watches.terminated(peer, pathOf(address, peer.prefix));
          return;
        }
        default:
          this.node.logger.debug({ type: typeName, peer: peer.prefix }, "ignored unknown remoting message");
      }
    } catch (error) {
      this.out.sendFailure(peer, corr, new SerializationError(typeName, error));
    }
  }

  private async onSpawn(peer: Peer, corr: number, req: Spawn): Promise<void> {
    const kind = this.node.kinds.get(req.kind);
    if (kind === undefined) {
      this.out.sendFailure(peer, corr, new KindNotRegisteredError(req.kind, this.node.address));
      return;
    }
    try {
      const pid = await this.node.actorSystem.spawn(req.name, kind.factory, kind.options);
      this.out.sendSystem(peer, ActorRefSchema, create(ActorRefSchema, { address: pid.address }), corr, KIND_REPLY);
    } catch (error) {
      this.out.sendFailure(peer, corr, error instanceof Error ? error : new Error(String(error)));
    }
  }

  private async onStop(peer: Peer, corr: number, path: string): Promise<void> {
    const system = this.node.actorSystem;
    const pid = path.startsWith("/user/") ? system.localActorOf(path) : undefined;
    if (pid === undefined) {
      this.out.sendFailure(peer, corr, new ActorNotFoundError(this.node.address + path));
      return;
    }
    try {
      await system.stopActor(pid);
      this.out.sendSystem(peer, StoppedSchema, create(StoppedSchema), corr, KIND_REPLY);
    } catch (error) {
      this.out.sendFailure(peer, corr, error instanceof Error ? error : new Error(String(error)));
    }
  }
}

/** The local error for a failure reported by a remote node. */
function errorOf(failure: Failure, target: string): Error {
  switch (failure.code) {
    case "ActorNotFound":
      return new ActorNotFoundError(target);
    case "DeadActor":
      return new DeadActorError(target);
    case "UnknownMessageType":
      return new UnknownMessageTypeError(failure.subject, `at ${target}`);
    case "KindNotRegistered":
      return new KindNotRegisteredError(failure.subject, target);
    case "AskFailed":
      return askFailedOf(failure, target);
    default:
      return new RemoteFailureError(failure.code, failure.message, target);
  }
}
