import { create, type DescMessage, type Message } from "@bufbuild/protobuf";
import { type AskOptions, isTsaktError, type Logger, type PID, SystemNotStartedError } from "@tsakt/actor";
import { typeNameOf } from "@tsakt/actor/internal";
import {
  FrameTooLargeError,
  KindNotRegisteredError,
  OutboundQueueFullError,
  SerializationError,
  UnknownMessageTypeError,
} from "../errors.js";
import { FailureSchema } from "../gen/tsakt/remote/v1/system_pb.js";
import type { Peer } from "../transport/peer.js";
import {
  KIND_ASK,
  KIND_ERROR,
  KIND_REPLY,
  KIND_SYSTEM,
  KIND_TELL,
  TAG_CORRELATION,
  TAG_DEADLINE,
  TAG_KIND,
  TAG_PAYLOAD,
  TAG_RECEIVER,
  TAG_SENDER,
  TAG_TYPE_NAME,
  writeMetadata,
} from "../wire/envelope-codec.js";
import { FrameLimitExceeded, type FrameWriter } from "../wire/frame-writer.js";
import { MessageCodec } from "../wire/proto-codec.js";
import type { Serialization } from "../wire/serialization.js";
import { causeFields } from "./ask-failure.js";
import type { ResolvedOptions } from "./options.js";
import type { PendingAsks } from "./pending-asks.js";
import type { ContextPropagator } from "./propagation.js";
import { type PidOutbound, RemotePID, ReplyPID } from "./remote-pid.js";
import type { RemoteTracer, SendTrace } from "./tracing.js";

/** What the outbound side needs from its node (RemoteNode implements it). */
export interface OutboundHost {
  readonly options: ResolvedOptions;
  readonly serialization: Serialization;
  readonly asks: PendingAsks;
  readonly logger: Logger;
  /** This node's address prefix, for the addresses of local temporary senders. */
  readonly address: string;
  /** True once the node began stopping: nothing more is sent. */
  readonly stopping: boolean;
  /** Present when the tracing option is set. */
  readonly tracer: RemoteTracer | undefined;
  deadLetter(message: unknown, sender: PID | undefined, receiver: string, reason: string): void;
}

/**
 * Everything a node writes to its peers: tells, asks, replies, failures and remoting requests, each encoded
 * straight into the peer's frame buffer and flushed once per tick.
 */
export class Outbound implements PidOutbound {
  private readonly serialization: Serialization;
  private readonly propagator: ContextPropagator | undefined;
  private readonly tracer: RemoteTracer | undefined;
  /** Local asks' temporary senders by id: they have no place in the actor tree, so replies find them here. */
  private readonly temps = new Map<number, PID>();
  private readonly tempIds = new WeakMap<PID, number>();
  private nextTemp = 0;

  constructor(private readonly node: OutboundHost) {
    this.serialization = node.serialization;
    this.propagator = node.options.propagator;
    this.tracer = node.tracer;
  }

  /**
   * Sends a tell. False when the outbound queue is full (like a bounded mailbox under backpressure: the caller
   * keeps the message and may send() it), or, with a dead letter, when it cannot be encoded.
   */
  tell(peer: Peer, receiver: string, message: unknown, sender: PID | undefined): boolean {
    const error = this.encodeTell(peer, receiver, message, sender);
    if (error === undefined) return true;
    if (!(error instanceof OutboundQueueFullError)) this.node.deadLetter(message, sender, receiver, error.message);
    return false;
  }

  /** Sends a tell, waiting while the peer's outbound queue is full. */
  async send(peer: Peer, receiver: string, message: unknown, sender: PID | undefined): Promise<void> {
    for (let i = 0; peer.full && i < 1_000_000; i++) await peer.waitForSpace();
    const error = this.encodeTell(peer, receiver, message, sender);
    if (error !== undefined) {
      this.node.deadLetter(message, sender, receiver, error.message);
      throw error;
    }
  }

  private encodeTell(peer: Peer, receiver: string, message: unknown, sender: PID | undefined): Error | undefined {
    if (peer.full) return new OutboundQueueFullError(peer.prefix, this.node.options.maxOutboundBytes);
    if (this.node.stopping) return new SystemNotStartedError(`send to ${receiver}`);
    const w = peer.writer;
    let trace: SendTrace | undefined;
    w.beginFrame();
    try {
      w.varint32(TAG_KIND);
      w.varint32(KIND_TELL);
      if (sender !== undefined) {
        const from = this.senderAddressOf(sender);
        if (from !== "") {
          w.varint32(TAG_SENDER);
          w.string(from);
        }
      }
      w.varint32(TAG_RECEIVER);
      w.string(receiver);
      const typeName = this.serialization.write(w, message);
      if (typeName === undefined) {
        w.abortFrame();
        return new UnknownMessageTypeError(typeNameOf(message), `to send to ${receiver}`);
      }
      if (this.tracer !== undefined) trace = this.startTrace(w, this.tracer, typeName, receiver, false);
      else if (this.propagator !== undefined) this.injectHeaders(w, this.propagator);
      w.endFrame(peer.frameLimit);
    } catch (error) {
      w.abortFrame();
      const e = this.encodeError(error, message, peer);
      if (trace !== undefined) this.tracer?.endSend(trace, e);
      return e;
    }
    if (trace !== undefined) this.tracer?.endSend(trace);
    peer.scheduleFlush();
    return undefined;
  }

  /** Sends an ask; the promise settles with the reply, a typed error, or AskTimeoutError. */
  ask(peer: Peer, receiver: string, message: unknown, options: AskOptions | undefined): Promise<unknown> {
    const pending = this.node.asks.create(peer, receiver, options);
    if (pending instanceof Error) return Promise.reject(pending);
    if (this.node.stopping) {
      pending.reject(new SystemNotStartedError(`ask ${receiver}`));
      return pending.promise;
    }
    if (peer.full) {
      this.node.deadLetter(message, undefined, receiver, "outbound queue full");
      pending.reject(new OutboundQueueFullError(peer.prefix, this.node.options.maxOutboundBytes));
      return pending.promise;
    }
    const w = peer.writer;
    let trace: SendTrace | undefined;
    w.beginFrame();
    try {
      w.varint32(TAG_KIND);
      w.varint32(KIND_ASK);
      w.varint32(TAG_CORRELATION);
      w.varint32(pending.id);
      w.varint32(TAG_RECEIVER);
      w.string(receiver);
      const typeName = this.serialization.write(w, message);
      if (typeName === undefined) {
        w.abortFrame();
        this.node.deadLetter(message, undefined, receiver, "no serializer for its type");
        pending.reject(new UnknownMessageTypeError(typeNameOf(message), `to send to ${receiver}`));
        return pending.promise;
      }
      if (this.tracer !== undefined) trace = this.startTrace(w, this.tracer, typeName, receiver, true);
      else if (this.propagator !== undefined) this.injectHeaders(w, this.propagator);
      w.varint32(TAG_DEADLINE);
      w.varint32(Math.min(0xffffffff, pending.remainingMs()));
      w.endFrame(peer.frameLimit);
    } catch (error) {
      w.abortFrame();
      const e = this.encodeError(error, message, peer);
      this.node.deadLetter(message, undefined, receiver, e.message);
      pending.reject(e);
      if (trace !== undefined) this.tracer?.endSend(trace, e);
      return pending.promise;
    }
    if (trace !== undefined) this.tracer?.endWhenSettled(trace, pending.promise);
    peer.scheduleFlush();
    return pending.promise;
  }

  /** Sends the reply of an incoming ask. */
  reply(peer: Peer, correlationId: number, message: unknown): boolean {
    if (peer.full) {
      this.node.deadLetter(message, undefined, `${peer.prefix}/$ask/${correlationId}`, "outbound queue full");
      return false;
    }
    const w = peer.writer;
    w.beginFrame();
    let failure: Error | undefined;
    try {
      w.varint32(TAG_KIND);
      w.varint32(KIND_REPLY);
      w.varint32(TAG_CORRELATION);
      w.varint32(correlationId);
      if (this.serialization.write(w, message) === undefined) failure = new UnknownMessageTypeError(typeNameOf(message), "in a reply");
      else w.endFrame(peer.frameLimit);
    } catch (error) {
      failure = this.encodeError(error, message, peer);
    }
    if (failure !== undefined) {
      w.abortFrame();
      this.node.deadLetter(message, undefined, `${peer.prefix}/$ask/${correlationId}`, failure.message);
      this.replyFailure(peer, correlationId, failure);
      return false;
    }
    peer.scheduleFlush();
    return true;
  }

  /** Fails an incoming ask with `error` (sent as an ERROR envelope with its code). */
  replyFailure(peer: Peer, correlationId: number, error: unknown): void {
    const code = isTsaktError(error) ? error.code : "Error";
    const subject = error instanceof UnknownMessageTypeError ? error.typeName : error instanceof KindNotRegisteredError ? error.kind : "";
    const message = error instanceof Error ? error.message : String(error);
    const cause = causeFields(error, this.node.options.errorStacks);
    this.sendSystem(peer, FailureSchema, create(FailureSchema, { code, message, subject, ...cause }), correlationId, KIND_ERROR);
  }

  /** Fails an incoming ask or request with `error`; nothing to do for a tell (correlation id 0). */
  sendFailure(peer: Peer, correlationId: number, error: Error): void {
    if (correlationId !== 0) this.replyFailure(peer, correlationId, error);
  }

  /** Writes a remoting message (system request, its answer, or a failure). */
  sendSystem(peer: Peer, desc: DescMessage, message: Message, correlationId = 0, kind = KIND_SYSTEM): boolean {
    const w = peer.writer;
    w.beginFrame();
    try {
      w.varint32(TAG_KIND);
      w.varint32(kind);
      if (correlationId !== 0) {
        w.varint32(TAG_CORRELATION);
        w.varint32(correlationId);
      }
      w.varint32(TAG_TYPE_NAME);
      w.string(desc.typeName);
      w.varint32(TAG_PAYLOAD);
      const mark = w.beginLength();
      MessageCodec.of(desc).encode(w, message);
      w.endLength(mark);
      w.endFrame(peer.frameLimit);
    } catch (error) {
      w.abortFrame();
      this.node.logger.error({ err: error, type: desc.typeName }, "could not encode a remoting message");
      return false;
    }
    peer.scheduleFlush();
    return true;
  }

  private encodeError(error: unknown, message: unknown, peer: Peer): Error {
    if (error instanceof FrameLimitExceeded) {
      const e = new FrameTooLargeError(error.size, peer.frameLimit, peer.prefix);
      this.node.logger.warn({ err: e, type: typeNameOf(message) }, "message too large to send");
      return e;
    }
    if (error instanceof SerializationError) return error;
    return new SerializationError(typeNameOf(message), error);
  }

  /** Starts the send span and writes its headers (with the propagator's); falls back to the propagator alone. */
  private startTrace(w: FrameWriter, tracer: RemoteTracer, typeName: string, receiver: string, ask: boolean): SendTrace | undefined {
    const trace = tracer.startSend(typeName, receiver, ask, this.propagator);
    if (trace !== undefined) writeMetadata(w, trace.headers);
    else if (this.propagator !== undefined) this.injectHeaders(w, this.propagator);
    return trace;
  }

  private injectHeaders(w: FrameWriter, propagator: ContextPropagator): void {
    const headers: Record<string, string> = {};
    try {
      propagator.inject(headers);
    } catch (error) {
      this.node.logger.warn({ err: error }, "context propagator inject failed; sending without headers");
      return;
    }
    writeMetadata(w, headers);
  }

  /** The address a remote node can reply to for `sender`. */
  private senderAddressOf(sender: PID): string {
    if (sender instanceof RemotePID || sender instanceof ReplyPID) return sender.address;
    const path = sender.path;
    if (path.startsWith("/temp/")) return this.tempAddressOf(sender);
    if (path === "") return "";
    return sender.address;
  }

  /** Local asks' temporary senders have no place in the actor tree; replies find them through this table. */
  private tempAddressOf(pid: PID): string {
    let id = this.tempIds.get(pid);
    if (id === undefined) {
      if (this.temps.size >= 100_000) return "";
      id = ++this.nextTemp;
      this.tempIds.set(pid, id);
      this.temps.set(id, pid);
    }
    return `${this.node.address}/$tmp/${id}`;
  }

  /** The temporary sender registered under `id`, if it still waits. */
  tempSender(id: number): PID | undefined {
    const pid = this.temps.get(id);
    if (pid !== undefined && !pid.isAlive()) {
      this.temps.delete(id);
      return undefined;
    }
    return pid;
  }

  /** Forgets temporary senders whose asks ended. */
  sweepTemps(): void {
    for (const [id, pid] of this.temps) if (!pid.isAlive()) this.temps.delete(id);
  }

  /** Forgets all temporary senders (the node stopped). */
  clear(): void {
    this.temps.clear();
  }
}
