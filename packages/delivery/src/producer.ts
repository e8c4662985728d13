import type { Any } from "@bufbuild/protobuf/wkt";
import type { ActorSystem, Clock, PID } from "@tsakt/actor";
import { every } from "@tsakt/actor/internal";
import { DeliveryCancelledError, type PayloadNotSerializableError, ProducerClosedError, type ProducerJournalError } from "./errors.js";
import { type Cancel, type Demand, Kind, type Resync } from "./gen/tsakt/delivery/v1/delivery_pb.js";
import type { ResolvedProducerOptions } from "./options.js";
import { isLocalActor, LocalSequenced, type PayloadCodec } from "./payload.js";
import type { ProducerJournal } from "./producer-journal.js";
import { type Entry, EntryQueue } from "./queue.js";
import { helloMessage, sequencedMessage } from "./wire.js";

/** Where a producer is in its conversation with the consumer. */
export type ProducerPhase = "resolving" | "hello" | "active" | "closed";

/** A snapshot of a producer, for monitoring and tests. */
export interface ProducerStats {
  /** Messages held: sent and not confirmed, or waiting for demand (at most bufferSize). */
  readonly held: number;
  /** Highest sequence number the consumer confirmed. */
  readonly confirmed: number;
  /** Messages sent and not yet confirmed (at most the consumer's window). */
  readonly inFlight: number;
  /** Sequence number the next message gets. */
  readonly nextSeq: number;
  /** Messages sent more than once (after a loss, a reconnect or a relocation). */
  readonly resent: number;
  /** Hellos sent (the first one, and one per silence of the consumer). */
  readonly hellos: number;
  /** Where the producer is: looking the destination up, waiting for the consumer's answer, sending, or closed. */
  readonly phase: ProducerPhase;
}

/** What the controller needs from the plugin that made it. */
export interface ProducerHost {
  readonly system: ActorSystem;
  readonly clock: Clock;
  readonly codec: PayloadCodec;
  /** The controller closed: forget it, and stop its actor. */
  closed(controller: ProducerController): void;
}

interface Waiter {
  readonly seq: number;
  resolve(): void;
  reject(error: unknown): void;
}

const resolved = Promise.resolve();

/**
 * The producer side of reliable delivery: numbers messages, holds them until the consumer confirms them, sends only
 * within the consumer's demand and sends again what was lost. Driven by its user's calls (send) and by the
 * consumer's messages to its actor (Demand, Resync, Cancel); a timer says Hello again after a silence.
 */
export class ProducerController {
  readonly id: string;
  /** Random per run; never 0 (0 is what a message without session reads as). */
  readonly session = 1 + Math.floor(Math.random() * 0xfffffffe);
  pid: PID | undefined = undefined;
  phase: ProducerPhase = "resolving";
  private readonly queue = new EntryQueue();
  private nextSeq = 1;
  /** Highest sequence number the consumer confirmed. */
  private confirmed = 0;
  /** Highest sequence number sent in the current session with the consumer. */
  private sentUpTo = 0;
  /** Highest sequence number the consumer allows. */
  private upTo = 0;
  /** Highest sequence number journaled (durable) or held (in memory). */
  private stored = 0;
  private target: PID | undefined = undefined;
  private local = false;
  private nonce = 0;
  private attempts = 0;
  private lastHeard = 0;
  private helloDue = 0;
  private blocked = false;
  /** Sequence number of the end (or failure) of the sequence; 0 while there is none. */
  private endSeq = 0;
  private resolving = false;
  private resent = 0;
  private hellos = 0;
  private stopTimer: (() => void) | undefined = undefined;
  private spaceWaiters: Array<() => void> = [];
  private confirmWaiters: Waiter[] = [];
  private readonly pendingStore: Array<{ entry: Entry; resolve(): void; reject(e: unknown): void }> = [];
  private storing = false;
  private readonly cancelListeners = new Set<(error: DeliveryCancelledError) => void>();
  private closeError: Error | undefined = undefined;

  constructor(
    private readonly host: ProducerHost,
    readonly options: ResolvedProducerOptions,
    private readonly journal: ProducerJournal | undefined,
  ) {
    this.id = options.id;
  }

  // ---- lifecycle ----

  /** Starts with what a durable producer recovered, and begins talking to the consumer. */
  start(pid: PID, recovered: { entries: Entry[]; nextSeq: number } | undefined): void {
    this.pid = pid;
    if (recovered !== undefined) {
      for (const entry of recovered.entries) {
        this.queue.push(entry);
        if (entry.kind !== Kind.MESSAGE) this.endSeq = entry.seq;
      }
      this.nextSeq = recovered.nextSeq;
      this.confirmed = (this.queue.firstSeq ?? this.nextSeq) - 1;
      this.stored = this.nextSeq - 1;
      this.sentUpTo = this.confirmed;
    }
    const tickMs = Math.min(250, Math.max(10, this.options.resendIntervalMs / 4));
    this.stopTimer = every(this.host.clock, tickMs, () => this.tick());
    const destination = this.options.destination;
    if (typeof destination === "string") this.resolveDestination();
    else {
      this.setTarget(destination);
      this.hello();
    }
  }

  /** Closes the producer: pending and future calls fail with `error`. */
  close(error: Error = new ProducerClosedError(this.id)): void {
    if (this.phase === "closed") return;
    this.phase = "closed";
    this.closeError = error;
    this.stopTimer?.();
    const spaceWaiters = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const w of spaceWaiters) w();
    const confirmWaiters = this.confirmWaiters;
    this.confirmWaiters = [];
    for (const w of confirmWaiters) w.reject(error);
    for (const p of this.pendingStore.splice(0)) p.reject(error);
    this.queue.clear();
    this.host.closed(this);
  }

  /** Resolves once the journal finished its deletes (durable producers). */
  async settled(): Promise<void> {
    await this.journal?.idle();
  }

  /** Calls `listener` when the consumer cancels; returns a function that removes it. */
  addCancelListener(listener: (error: DeliveryCancelledError) => void): () => void {
    this.cancelListeners.add(listener);
    return () => this.cancelListeners.delete(listener);
  }

  /** A snapshot of the counters. */
  stats(): ProducerStats {
    return {
      held: this.queue.size,
      confirmed: this.confirmed,
      inFlight: this.sentUpTo - this.confirmed,
      nextSeq: this.nextSeq,
      resent: this.resent,
      hellos: this.hellos,
      phase: this.phase,
    };
  }

  // ---- the user's side ----

  /** True when a message can be taken now. */
  get hasSpace(): boolean {
    return this.queue.size < this.options.bufferSize;
  }

  /** Takes `message` if there is room: true, else false (see ready()). Throws when closed or not serializable. */
  offer(message: unknown, kind = Kind.MESSAGE, reason = ""): boolean {
    if (this.phase === "closed") throw this.closeError ?? new ProducerClosedError(this.id);
    if (!this.hasSpace && kind === Kind.MESSAGE) return false;
    this.enqueue(message, kind, reason, undefined);
    return true;
  }

  /** Takes `message`, waiting for room; resolves once it is held (journaled, when durable). */
  send(message: unknown, kind = Kind.MESSAGE, reason = ""): Promise<void> {
    if (this.phase === "closed") return Promise.reject(this.closeError ?? new ProducerClosedError(this.id));
    if (!this.hasSpace && kind === Kind.MESSAGE) return this.ready().then(() => this.send(message, kind, reason));
    if (this.journal === undefined) {
      try {
        this.enqueue(message, kind, reason, undefined);
      } catch (error) {
        return Promise.reject(error);
      }
      return resolved;
    }
    return new Promise<void>((resolve, reject) => {
      try {
        this.enqueue(message, kind, reason, { resolve, reject });
      } catch (error) {
        reject(error);
      }
    });
  }

  /** Resolves when there is room for a message (or the producer closed). */
  ready(): Promise<void> {
    if (this.hasSpace || this.phase === "closed") return resolved;
    return new Promise((resolve) => this.spaceWaiters.push(resolve));
  }

  /** Resolves once every message taken so far is confirmed; rejects when the producer closes first. */
  flush(): Promise<void> {
    const seq = this.nextSeq - 1;
    if (seq <= this.confirmed) return resolved;
    if (this.phase === "closed") return Promise.reject(this.closeError ?? new ProducerClosedError(this.id));
    return new Promise((resolve, reject) => this.confirmWaiters.push({ seq, resolve, reject }));
  }

  private enqueue(message: unknown, kind: Kind, reason: string, store: { resolve(): void; reject(e: unknown): void } | undefined): void {
    if (this.endSeq !== 0) throw new ProducerClosedError(this.id);
    const entry: Entry = { seq: this.nextSeq, kind, message, packed: undefined, reason };
    if (kind !== Kind.MESSAGE) this.endSeq = entry.seq;
    // Messages that will cross a node are packed now, so an unserializable one fails its own send().
    if (kind === Kind.MESSAGE && (this.journal !== undefined || this.mayCrossNodes()))
      entry.packed = this.host.codec.pack(message, this.id);
    this.nextSeq++;
    this.queue.push(entry);
    if (this.journal === undefined) {
      this.stored = entry.seq;
      this.pump();
      return;
    }
    this.pendingStore.push({ entry, resolve: store?.resolve ?? noop, reject: store?.reject ?? noop });
    if (!this.storing) {
      this.storing = true;
      queueMicrotask(() => void this.storeBatch());
    }
  }

  /** True unless the destination is an actor of this very system, or no remoting runs. */
  private mayCrossNodes(): boolean {
    if (!this.host.codec.remote) return false;
    return this.target === undefined ? typeof this.options.destination === "string" || !this.local : !this.local;
  }

  private async storeBatch(): Promise<void> {
    const journal = this.journal as ProducerJournal;
    while (this.pendingStore.length > 0 && this.phase !== "closed") {
      const batch = this.pendingStore.splice(0, 500);
      try {
        await journal.append(
          batch.map((p) => p.entry),
          this.stored,
        );
      } catch (error) {
        for (const p of batch) p.reject(error);
        this.close(error as ProducerJournalError);
        break;
      }
      this.stored = (batch[batch.length - 1] as { entry: Entry }).entry.seq;
      for (const p of batch) p.resolve();
      this.pump();
    }
    this.storing = false;
  }

  // ---- the consumer's side ----

  /** A Demand from the consumer: confirmation, flow control, and after a Hello or a gap, what to send again. */
  onDemand(d: Demand): void {
    if (d.producerId !== this.id || d.session !== this.session || this.phase === "closed") return;
    this.heard();
    this.confirm(d.confirmed);
    if ((this.phase as ProducerPhase) === "closed") return;
    if (d.nonce !== 0) {
      // Only the answer to the latest Hello counts: it was processed after everything sent before that Hello, so
      // whatever the consumer still misses was lost.
      if (this.phase !== "hello" || d.nonce !== this.nonce) return;
      this.phase = "active";
      this.upTo = d.upTo;
      this.rewind(d.resendFrom > 0 ? d.resendFrom : this.confirmed + 1);
    } else {
      if (this.phase !== "active") return;
      if (d.upTo > this.upTo) this.upTo = d.upTo;
      if (d.resendFrom > 0) this.rewind(d.resendFrom);
    }
    this.pump();
  }

  /** The consumer does not know this session: say Hello. */
  onResync(r: Resync): void {
    if (r.producerId !== this.id || r.session !== this.session || this.phase === "closed") return;
    this.heard();
    if (this.phase === "active") this.hello();
  }

  /** The consumer wants nothing more. */
  onCancel(c: Cancel): void {
    if (c.producerId !== this.id || c.session !== this.session || this.phase === "closed") return;
    const error = new DeliveryCancelledError(this.id, c.reason || "cancelled");
    this.close(error);
    for (const listener of this.cancelListeners) listener(error);
  }

  private heard(): void {
    this.lastHeard = this.host.clock.now();
    this.attempts = 0;
  }

  /** Sends again from `from` on. */
  private rewind(from: number): void {
    const to = Math.max(this.confirmed, Math.min(from - 1, this.nextSeq - 1));
    if (to < this.sentUpTo) {
      this.resent += this.sentUpTo - to;
      this.sentUpTo = to;
    } else if (this.phase === "active" && to > this.sentUpTo) this.sentUpTo = to;
  }

  private confirm(seq: number): void {
    if (seq <= this.confirmed) return;
    const upTo = Math.min(seq, this.nextSeq - 1);
    this.queue.dropUpTo(upTo);
    this.confirmed = upTo;
    if (this.sentUpTo < upTo) this.sentUpTo = upTo;
    this.journal?.confirmUpTo(upTo);
    if (this.spaceWaiters.length > 0 && this.hasSpace) {
      const waiters = this.spaceWaiters;
      this.spaceWaiters = [];
      for (const w of waiters) w();
    }
    if (this.confirmWaiters.length > 0) {
      const due = this.confirmWaiters.filter((w) => w.seq <= upTo);
      this.confirmWaiters = this.confirmWaiters.filter((w) => w.seq > upTo);
      for (const w of due) w.resolve();
    }
    if (this.endSeq !== 0 && upTo >= this.endSeq) this.close();
  }

  // ---- sending ----

  /** Sends what the consumer's demand allows. */
  private pump(): void {
    if (this.phase !== "active" || this.target === undefined) return;
    const limit = Math.min(this.upTo, this.stored);
    this.blocked = false;
    while (this.sentUpTo < limit) {
      const entry = this.queue.get(this.sentUpTo + 1);
      if (entry === undefined) break;
      if (!this.transmit(entry)) {
        this.blocked = true;
        return;
      }
      this.sentUpTo = entry.seq;
    }
  }

  private transmit(entry: Entry): boolean {
    const target = this.target as PID;
    if (this.local) {
      let message = entry.message;
      if (message === undefined && entry.kind === Kind.MESSAGE) message = entry.message = this.host.codec.unpack(entry.packed as Any);
      return target.tell(new LocalSequenced(this.id, this.session, entry.seq, message, entry.kind, entry.reason), this.pid);
    }
    if (entry.packed === undefined && entry.kind === Kind.MESSAGE) {
      try {
        entry.packed = this.host.codec.pack(entry.message, this.id);
      } catch (error) {
        this.close(error as PayloadNotSerializableError);
        return false;
      }
    }
    return target.tell(
      sequencedMessage(this.id, this.session, entry.seq, entry.packed as Any | undefined, entry.kind, entry.reason),
      this.pid,
    );
  }

  /** Opens a session with the consumer: nothing more is sent until it answers. */
  private hello(): void {
    if (this.phase === "closed") return;
    this.phase = "hello";
    this.nonce = (this.nonce % 0xfffffffe) + 1;
    this.hellos++;
    const now = this.host.clock.now();
    this.helloDue = now + Math.min(this.options.maxResendIntervalMs, this.options.resendIntervalMs * 2 ** Math.min(this.attempts, 20));
    this.attempts++;
    this.target?.tell(helloMessage(this.id, this.session, this.confirmed + 1, this.journal !== undefined, this.nonce), this.pid);
  }

  private setTarget(pid: PID): void {
    this.target = pid;
    this.local = isLocalActor(this.host.system, pid);
  }

  /** Looks a named destination up (again), then says Hello; retries on the Hello schedule. */
  private resolveDestination(): void {
    this.phase = "resolving";
    if (this.resolving) return;
    this.resolving = true;
    const now = this.host.clock.now();
    this.helloDue = now + Math.min(this.options.maxResendIntervalMs, this.options.resendIntervalMs * 2 ** Math.min(this.attempts, 20));
    this.attempts++;
    this.host.system.actorOf(this.options.destination as string).then(
      (pid) => {
        this.resolving = false;
        if (this.phase !== "resolving") return;
        this.setTarget(pid);
        this.attempts = Math.max(0, this.attempts - 1);
        this.hello();
      },
      () => {
        this.resolving = false; // tick() looks it up again when helloDue passes
      },
    );
  }

  private tick(): void {
    if (this.phase === "closed") return;
    const now = this.host.clock.now();
    if (this.phase === "active") {
      if (this.blocked) this.pump();
      const outstanding = this.sentUpTo > this.confirmed || this.stored > this.sentUpTo;
      if (outstanding && now - this.lastHeard >= this.options.resendIntervalMs) this.retry();
      return;
    }
    if (now >= this.helloDue) this.retry();
  }

  /** The consumer is silent: a named destination is looked up again (it may have moved), then Hello. */
  private retry(): void {
    if (typeof this.options.destination === "string" && this.attempts > 0) this.resolveDestination();
    else this.hello();
  }
}

function noop(): void {}
