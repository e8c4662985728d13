import { isMessage } from "@bufbuild/protobuf";
import type { Actor, ActorFactory, Context, PID, ReceiveContext } from "@tsakt/actor";
import { InvalidOptionError } from "@tsakt/actor";
import { UnknownPayloadTypeError } from "./errors.js";
import { type Hello, HelloSchema, Kind, SequencedSchema } from "./gen/tsakt/delivery/v1/delivery_pb.js";
import { type ConsumerOptions, resolveConsumerOptions } from "./options.js";
import { LocalSequenced, type PayloadCodec } from "./payload.js";
import { pluginOfActor } from "./plugin.js";
import { cancelMessage, demandMessage, resyncMessage } from "./wire.js";

/** What a consumer knows about one producer. */
interface ProducerSession {
  readonly id: string;
  session: number;
  durable: boolean;
  /** Where Demands go: the producer's actor. */
  producer: PID;
  /** Highest sequence number the consuming actor processed. */
  processed: number;
  /** Highest confirmation sent to the producer. */
  reported: number;
  /** The resend asked for after a gap (processed + 1 then), 0 when none: asked once until progress. */
  gapFrom: number;
}

/** One consuming actor's progress with every producer; survives the actor's restarts (same PID), not its stop. */
interface ConsumerProgress {
  readonly sessions: Map<string, ProducerSession>;
  /** Producer id → the unknown session a Resync was sent for, so one is sent per session. */
  readonly resyncs: Map<string, number>;
  /** Sessions with processed > reported. */
  readonly dirty: Set<ProducerSession>;
  flushScheduled: boolean;
  /** The codec of the consumer's system, found on first use. */
  codec: PayloadCodec | undefined;
}

/**
 * Wraps an actor factory so the actor consumes reliable producers: each message of a producer reaches the actor's
 * receive exactly once and in order (ctx.message is the message the producer sent), is confirmed once receive
 * returned (or its promise resolved), and the producer never has more than `window` messages outstanding.
 * Other messages reach the actor as they are.
 */
export function reliableConsumer(factory: ActorFactory, options?: ConsumerOptions): ActorFactory {
  if (typeof factory !== "function") throw new InvalidOptionError("factory", "must be a function that returns a fresh actor");
  const { window } = resolveConsumerOptions(options);
  const progress = new WeakMap<PID, ConsumerProgress>();
  return () => new ConsumerActor(factory(), window, progress);
}

const half = (window: number): number => Math.max(1, Math.floor(window / 2));

class ConsumerActor implements Actor {
  private state: ConsumerProgress | undefined = undefined;

  constructor(
    private readonly inner: Actor,
    private readonly window: number,
    private readonly progress: WeakMap<PID, ConsumerProgress>,
  ) {}

  preStart(ctx: Context): void | Promise<void> {
    return this.inner.preStart?.(ctx);
  }

  postStop(ctx: Context): void | Promise<void> {
    return this.inner.postStop?.(ctx);
  }

  receive(ctx: ReceiveContext): void | Promise<void> {
    const m = ctx.message;
    if (m instanceof LocalSequenced) return this.onSequenced(ctx, m.producerId, m.session, m.seq, m.kind, m.payload, false);
    if (isMessage(m, SequencedSchema)) return this.onSequenced(ctx, m.producerId, m.session, m.seq, m.kind, m.payload, true);
    if (isMessage(m, HelloSchema)) return this.onHello(ctx, m);
    return this.inner.receive(ctx);
  }

  private progressOf(self: PID): ConsumerProgress {
    let p = this.state ?? this.progress.get(self);
    if (p === undefined) {
      p = { sessions: new Map(), resyncs: new Map(), dirty: new Set(), flushScheduled: false, codec: pluginOfActor(self)?.codec };
      this.progress.set(self, p);
    }
    this.state = p;
    return p;
  }

  private onHello(ctx: ReceiveContext, h: Hello): void {
    const producer = ctx.sender;
    if (producer === undefined) return;
    const p = this.progressOf(ctx.self);
    const before = h.firstSeq - 1;
    let s = p.sessions.get(h.producerId);
    if (s === undefined || (s.session !== h.session && !(h.durable && s.durable))) {
      // A new producer, or a new run of an in-memory one: its numbering starts over.
      s = { id: h.producerId, session: h.session, durable: h.durable, producer, processed: before, reported: before, gapFrom: 0 };
      p.sessions.set(h.producerId, s);
    } else {
      // The same session again, or the next run of a durable producer: the numbering continues.
      s.session = h.session;
      s.producer = producer;
      if (before > s.processed) s.processed = before;
      s.gapFrom = 0;
    }
    p.resyncs.delete(h.producerId);
    s.reported = s.processed;
    p.dirty.delete(s);
    producer.tell(demandMessage(h.producerId, h.session, s.processed, s.processed + this.window, s.processed + 1, h.nonce), ctx.self);
  }

  private onSequenced(
    ctx: ReceiveContext,
    producerId: string,
    session: number,
    seq: number,
    kind: number,
    payload: unknown,
    packed: boolean,
  ): void | Promise<void> {
    const p = this.progressOf(ctx.self);
    const s = p.sessions.get(producerId);
    if (s === undefined || s.session !== session) {
      // This consumer does not know the session (it is new, or the Hello was lost): ask for a Hello, once.
      const sender = ctx.sender;
      if (sender !== undefined && p.resyncs.get(producerId) !== session) {
        p.resyncs.set(producerId, session);
        sender.tell(resyncMessage(producerId, session), ctx.self);
      }
      return;
    }
    if (seq <= s.processed) return; // a duplicate: processed already
    if (seq > s.processed + 1) {
      // A gap: something before it was lost. Ask once for everything from the first missing one.
      if (s.gapFrom !== s.processed + 1) {
        s.gapFrom = s.processed + 1;
        s.producer.tell(demandMessage(producerId, session, s.processed, s.processed + this.window, s.gapFrom, 0), ctx.self);
      }
      return;
    }
    if (kind !== Kind.MESSAGE) {
      // The end of the sequence: confirm it and forget the producer.
      s.processed = seq;
      p.sessions.delete(producerId);
      p.dirty.delete(s);
      s.producer.tell(demandMessage(producerId, session, seq, seq, 0, 0), ctx.self);
      return;
    }
    let message = payload;
    if (packed) {
      const codec = (p.codec ??= pluginOfActor(ctx.self)?.codec);
      message = payload === undefined ? undefined : codec?.unpack(payload as never);
      if (message === undefined) {
        const typeUrl = (payload as { typeUrl?: string } | undefined)?.typeUrl ?? "(no payload)";
        const error = new UnknownPayloadTypeError(typeUrl);
        ctx.logger.error({ producer: producerId, err: error }, error.message);
        p.sessions.delete(producerId);
        s.producer.tell(cancelMessage(producerId, session, error.message), ctx.self);
        return;
      }
    }
    (ctx as { message: unknown }).message = message;
    const result = this.inner.receive(ctx);
    if (result !== undefined && typeof (result as PromiseLike<void>).then === "function")
      return (result as Promise<void>).then(() => this.processed(ctx.self, p, s, seq));
    this.processed(ctx.self, p, s, seq);
  }

  /** The actor processed `seq`: confirm at once when half the window is used, else once the event loop turns. */
  private processed(self: PID, p: ConsumerProgress, s: ProducerSession, seq: number): void {
    if (seq !== s.processed + 1) return;
    s.processed = seq;
    s.gapFrom = 0;
    if (seq - s.reported >= half(this.window)) {
      this.confirm(self, s);
      p.dirty.delete(s);
      return;
    }
    p.dirty.add(s);
    if (!p.flushScheduled) {
      p.flushScheduled = true;
      // The dispatcher yields to the event loop after a slice of work: one confirmation per slice, not per message.
      setImmediate(() => {
        p.flushScheduled = false;
        for (const dirty of p.dirty) this.confirm(self, dirty);
        p.dirty.clear();
      });
    }
  }

  private confirm(self: PID, s: ProducerSession): void {
    s.reported = s.processed;
    s.producer.tell(demandMessage(s.id, s.session, s.processed, s.processed + this.window, 0, 0), self);
  }
}
