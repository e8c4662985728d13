import { isMessage } from "@bufbuild/protobuf";
import type { Actor, ActorFactory, Context, PID, ReceiveContext } from "@tsakt/actor";
import { InvalidOptionError } from "@tsakt/actor";
import type { StateStore } from "@tsakt/persistence";
import { UnknownPayloadTypeError } from "./errors.js";
import { type Hello, HelloSchema, Kind, SequencedSchema } from "./gen/tsakt/delivery/v1/delivery_pb.js";
import { type ConsumerOptions, type ResolvedConsumerOptions, resolveConsumerOptions } from "./options.js";
import { LocalSequenced, type PayloadCodec } from "./payload.js";
import { pluginOfActor } from "./plugin.js";
import { loadProgress, ProgressWriter, progressKey } from "./progress-store.js";
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
  /** Highest processed number whose progress is stored (= processed without a progress store): what may be confirmed. */
  saved: number;
  /** Highest confirmation sent to the producer. */
  reported: number;
  /** The resend asked for after a gap (processed + 1 then), 0 when none: asked once until progress. */
  gapFrom: number;
  /** Stores the progress; undefined without a progress store. */
  writer: ProgressWriter | undefined;
}

/** One consuming actor's progress with every producer; survives the actor's restarts (same PID), not its stop. */
interface ConsumerProgress {
  readonly sessions: Map<string, ProducerSession>;
  /** Producer id → the unknown session a Resync was sent for, so one is sent per session. */
  readonly resyncs: Map<string, number>;
  /** Sessions with saved > reported. */
  readonly dirty: Set<ProducerSession>;
  flushScheduled: boolean;
  /** The codec of the consumer's system, found on first use. */
  codec: PayloadCodec | undefined;
}

/** The producer and sequence number of a reliably delivered message. */
export interface Delivery {
  readonly producerId: string;
  readonly seq: number;
}

const currentKey = Symbol("tsakt.delivery.current");
type Carrier = { [currentKey]?: Delivery | undefined };

/**
 * The producer id and sequence number of the message a reliable consumer is processing now (undefined for any other
 * message): store them with the message's effect, and skip a message whose number is not above the stored one, to
 * keep the effect exactly once even when a crash loses the consumer's last progress write.
 */
export function currentDelivery(ctx: ReceiveContext): Delivery | undefined {
  return (ctx as unknown as Carrier)[currentKey];
}

/**
 * Wraps an actor factory so the actor consumes reliable producers: each message of a producer reaches the actor's
 * receive exactly once and in order (ctx.message is the message the producer sent), is confirmed once receive
 * returned (or its promise resolved), and the producer never has more than `window` messages outstanding.
 * Other messages reach the actor as they are.
 */
export function reliableConsumer(factory: ActorFactory, options?: ConsumerOptions): ActorFactory {
  if (typeof factory !== "function") throw new InvalidOptionError("factory", "must be a function that returns a fresh actor");
  const resolved = resolveConsumerOptions(options);
  const progress = new WeakMap<PID, ConsumerProgress>();
  return () => new ConsumerActor(factory(), resolved, progress);
}

const half = (window: number): number => Math.max(1, Math.floor(window / 2));

class ConsumerActor implements Actor {
  private state: ConsumerProgress | undefined = undefined;

  private readonly window: number;

  constructor(
    private readonly inner: Actor,
    private readonly options: ResolvedConsumerOptions,
    private readonly progress: WeakMap<PID, ConsumerProgress>,
  ) {
    this.window = options.window;
  }

  preStart(ctx: Context): void | Promise<void> {
    return this.inner.preStart?.(ctx);
  }

  postStop(ctx: Context): void | Promise<void> {
    // A graceful stop (a relocation, a node leaving) first stores what was processed, so the next actor resumes after it.
    const writes = [...(this.state?.sessions.values() ?? [])].flatMap((s) => (s.writer === undefined ? [] : [s.writer.idle()]));
    if (writes.length === 0) return this.inner.postStop?.(ctx);
    return Promise.all(writes).then(() => this.inner.postStop?.(ctx));
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

  private onHello(ctx: ReceiveContext, h: Hello): void | Promise<void> {
    const producer = ctx.sender;
    if (producer === undefined) return;
    const p = this.progressOf(ctx.self);
    const s = p.sessions.get(h.producerId);
    if (this.options.progress === undefined) return this.hello(ctx, p, h, producer, s);
    // With a progress store: let a running write finish, or read what a previous actor stored.
    if (s !== undefined) return s.writer?.idle().then(() => this.hello(ctx, p, h, producer, p.sessions.get(h.producerId)));
    return this.loadSession(ctx, h.producerId, producer).then((loaded) => this.hello(ctx, p, h, producer, loaded));
  }

  /** Reads the stored progress with `producerId` (a relocated or restarted consumer) and makes its writer. */
  private async loadSession(ctx: ReceiveContext, producerId: string, producer: PID): Promise<ProducerSession> {
    const store = this.options.progress as StateStore;
    const key = progressKey(this.options.name ?? ctx.self.path, producerId);
    const stored = await loadProgress(store, key);
    const processed = stored?.processed ?? 0;
    const s: ProducerSession = {
      id: producerId,
      session: stored?.session ?? 0,
      durable: stored?.durable ?? false,
      producer,
      processed,
      saved: processed,
      reported: processed,
      gapFrom: 0,
      writer: undefined,
    };
    const self = ctx.self;
    const logger = ctx.logger;
    const p = this.progressOf(self);
    s.writer = new ProgressWriter(
      store,
      key,
      s,
      stored?.version ?? 0,
      (written) => {
        if (written <= s.saved) return;
        s.saved = written;
        this.saved(self, p, s);
      },
      (error) => {
        // Forget the session: the producer's next message makes it say Hello, which reads the store again.
        if (p.sessions.get(producerId) === s) p.sessions.delete(producerId);
        p.dirty.delete(s);
        if (this.options.progressWrites === "batched") logger.error({ producer: producerId, err: error }, error.message);
      },
    );
    p.sessions.set(producerId, s);
    return s;
  }

  private hello(ctx: ReceiveContext, p: ConsumerProgress, h: Hello, producer: PID, existing: ProducerSession | undefined): void {
    const before = h.firstSeq - 1;
    let s = existing;
    if (s === undefined) {
      s = {
        id: h.producerId,
        session: h.session,
        durable: h.durable,
        producer,
        processed: before,
        saved: before,
        reported: before,
        gapFrom: 0,
        writer: undefined,
      };
      p.sessions.set(h.producerId, s);
    } else if (s.session !== h.session && !(h.durable && s.durable)) {
      // A new run of an in-memory producer (or one the store knew under another session): its numbering starts over.
      s.session = h.session;
      s.durable = h.durable;
      s.producer = producer;
      s.processed = before;
      s.saved = before;
      if (s.writer !== undefined) s.writer.written = before;
    } else {
      // The same session again, or the next run of a durable producer: the numbering continues.
      s.session = h.session;
      s.producer = producer;
      if (before > s.processed) s.processed = before;
      if (before > s.saved) s.saved = before;
    }
    s.gapFrom = 0;
    p.resyncs.delete(h.producerId);
    s.reported = s.saved;
    p.dirty.delete(s);
    producer.tell(demandMessage(h.producerId, h.session, s.saved, s.saved + this.window, s.saved + 1, h.nonce), ctx.self);
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
      // The end of the sequence: forget the producer (and its stored progress), then confirm it.
      s.processed = seq;
      p.sessions.delete(producerId);
      p.dirty.delete(s);
      const ended = () => s.producer.tell(demandMessage(producerId, session, seq, seq, 0, 0), ctx.self);
      if (s.writer === undefined) {
        ended();
        return;
      }
      const logger = ctx.logger;
      return s.writer.clear().then((error) => {
        if (error !== undefined) logger.warn({ producer: producerId, err: error }, error.message);
        ended();
      });
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
    const carrier = ctx as unknown as Carrier;
    carrier[currentKey] = { producerId, seq };
    let result: void | Promise<void>;
    try {
      result = this.inner.receive(ctx);
    } catch (error) {
      carrier[currentKey] = undefined;
      throw error;
    }
    if (result !== undefined && typeof (result as PromiseLike<void>).then === "function")
      return (result as Promise<void>).then(
        () => {
          carrier[currentKey] = undefined;
          return this.processed(ctx.self, p, s, seq);
        },
        (error: unknown) => {
          carrier[currentKey] = undefined;
          throw error;
        },
      );
    carrier[currentKey] = undefined;
    return this.processed(ctx.self, p, s, seq);
  }

  /** The actor processed `seq`: store the progress (with a store), then confirm. */
  private processed(self: PID, p: ConsumerProgress, s: ProducerSession, seq: number): void | Promise<void> {
    if (seq !== s.processed + 1) return;
    s.processed = seq;
    s.gapFrom = 0;
    const writer = s.writer;
    if (writer === undefined) {
      s.saved = seq;
      this.saved(self, p, s);
      return;
    }
    const written = writer.request();
    if (this.options.progressWrites === "each")
      // The next message waits for this write; a failed one fails the actor (it restarts, the message comes again).
      return written.then((error) => {
        if (error !== undefined) throw error;
      });
  }

  /** Progress was stored up to `s.saved`: confirm at once when half the window is used, else once the event loop turns. */
  private saved(self: PID, p: ConsumerProgress, s: ProducerSession): void {
    if (s.saved - s.reported >= half(this.window)) {
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
    s.reported = s.saved;
    s.producer.tell(demandMessage(s.id, s.session, s.saved, s.saved + this.window, 0, 0), self);
  }
}
