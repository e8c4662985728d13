import { isMessage } from "@bufbuild/protobuf";
import { type ActorSystem, InvalidOptionError, isTsaktError, type PID, type ReceiveContext, TerminatedSchema } from "@tsakt/actor";
import { hostOf, type TimerHandle } from "@tsakt/actor/internal";
import { RemoteStreamFailedError, SubscriptionTimeoutError } from "../errors.js";
import { StreamCancelSchema, StreamDemandSchema, StreamFailureSchema } from "../gen/tsakt/streams/v1/streams_pb.js";
import { optional, optionsObject, positiveMs } from "../options.js";
import { streamsOf } from "../plugin.js";
import { cancelQuietly, type Pull } from "../pull.js";
import type { Source } from "../source.js";
import { completeMessage, elementMessage, failureMessage, isLocalActor, LocalElement, packElement } from "./wire.js";

/** Options of sourceRef(system, source, options). */
export interface SourceRefOptions {
  /** How long the reference waits for a remoteSource to subscribe before it cancels its source. Default: 30000. */
  subscriptionTimeoutMs?: number;
}

/** Where a source reference is: waiting for its subscriber, streaming, or ended (and how). */
export type SourceRefState = "waiting" | "streaming" | "completed" | "failed" | "cancelled";

/** Counters of a source reference, for monitoring and tests. */
export interface SourceRefStats {
  /** Elements sent to the subscriber. */
  readonly emitted: number;
  /** The subscriber's cumulative demand: elements it allowed in all. */
  readonly grantedUpTo: number;
  readonly state: SourceRefState;
  /** Why it failed or was cancelled, when it did. */
  readonly reason: string;
}

/** The sending end of a remote stream: give `address` to the other node, which runs it with remoteSource(system, address). */
export interface SourceRef {
  /** The address of the reference's actor ("tsakt://name@host:port/system/stream-ref-…"). */
  readonly address: string;
  /** Counters and state. */
  stats(): SourceRefStats;
  /** Resolves with the last stats once the stream ended (completed, failed or cancelled). */
  readonly done: Promise<SourceRefStats>;
}

let refs = 0;

/**
 * Offers `source` to one subscriber on any node (needs the streams() plugin): the source is run when a remoteSource
 * subscribes, and pulled only as far as the subscriber's credit allows; its cancel cancels the source.
 */
export async function sourceRef<T>(system: ActorSystem, source: Source<T>, options?: SourceRefOptions): Promise<SourceRef> {
  if (source === null || typeof source !== "object" || typeof (source as Partial<Source<T>>).pull !== "function")
    throw new InvalidOptionError("source", "must be a Source");
  const o = optionsObject(options, "{ subscriptionTimeoutMs? }");
  const subscriptionTimeoutMs = optional("subscriptionTimeoutMs", o.subscriptionTimeoutMs, positiveMs, 30_000);
  const origin = await startOrigin(system, source, subscriptionTimeoutMs);
  return { address: origin.self.address, stats: () => origin.stats(), done: origin.done };
}

/** Spawns the actor of a source reference (/system/stream-ref-…) serving `source`. */
export async function startOrigin<T>(system: ActorSystem, source: Source<T>, subscriptionTimeoutMs: number): Promise<Origin<T>> {
  const plugin = streamsOf(system);
  const streamId = `stream-ref-${++refs}-${Math.random().toString(36).slice(2, 10)}`;
  let origin: Origin<T> | undefined;
  const pid = await hostOf(system).spawnSystemActor(streamId, () => ({
    receive: (ctx: ReceiveContext) => origin?.receive(ctx),
  }));
  origin = new Origin(system, plugin.live, streamId, source, pid, subscriptionTimeoutMs);
  return origin;
}

/** The origin of a remote stream: pulls its source within the subscriber's credit and sends the elements. */
export class Origin<T> {
  private pull: Pull<T> | undefined = undefined;
  private subscriber: PID | undefined = undefined;
  private grantedUpTo = 0;
  private emitted = 0;
  private pumping = false;
  private state: SourceRefState = "waiting";
  private reason = "";
  /** Why it failed: the source's error, the subscriber's failure or the subscription timeout. */
  failure: unknown = undefined;
  private readonly timer: TimerHandle;
  private settle: (stats: SourceRefStats) => void = () => undefined;
  readonly done = new Promise<SourceRefStats>((resolve) => {
    this.settle = resolve;
  });
  private readonly handle = { close: (reason: string) => this.cancel(reason) };

  constructor(
    private readonly system: ActorSystem,
    private readonly live: Set<{ close(reason: string): void }>,
    readonly streamId: string,
    private readonly source: Source<T>,
    readonly self: PID,
    timeoutMs: number,
  ) {
    live.add(this.handle);
    this.timer = system.clock.setTimeout(() => {
      if (this.state !== "waiting") return;
      const error = new SubscriptionTimeoutError(self.address, timeoutMs);
      system.logger.warn({ stream: streamId }, error.message);
      this.failure = error;
      this.finish("failed", error.message);
    }, timeoutMs);
  }

  stats(): SourceRefStats {
    return { emitted: this.emitted, grantedUpTo: this.grantedUpTo, state: this.state, reason: this.reason };
  }

  receive(ctx: ReceiveContext): void {
    const m = ctx.message;
    if (isMessage(m, StreamDemandSchema) && m.streamId === this.streamId) this.onDemand(ctx, m.upTo);
    else if (isMessage(m, StreamCancelSchema) && m.streamId === this.streamId) this.cancel(`the subscriber cancelled: ${m.reason}`);
    else if (isMessage(m, TerminatedSchema)) this.cancel("the subscriber stopped or its node became unreachable");
    else if (isMessage(m, StreamFailureSchema) && m.streamId === this.streamId) {
      // A sink reference refused the offer (it already has a stream).
      this.failure = new RemoteStreamFailedError(m.reason, m.code);
      if (this.pull !== undefined) void cancelQuietly(this.pull);
      this.finish("failed", m.reason);
    } else ctx.unhandled();
  }

  private onDemand(ctx: ReceiveContext, upTo: number): void {
    const sender = ctx.sender;
    if (sender === undefined) return;
    if (this.subscriber === undefined) {
      if (this.state !== "waiting") {
        sender.tell(
          failureMessage(this.streamId, `the source reference ${this.self.address} already ended (${this.state})`, ""),
          this.self,
        );
        return;
      }
      this.subscriber = sender;
      this.state = "streaming";
      this.system.clock.clearTimeout(this.timer);
      ctx.watch(sender);
      try {
        this.pull = this.source.pull();
      } catch (error) {
        this.fail(error);
        return;
      }
    } else if (sender.address !== this.subscriber.address) {
      sender.tell(
        failureMessage(this.streamId, `the source reference ${this.self.address} already has a subscriber`, "AlreadyMaterialized"),
        this.self,
      );
      return;
    }
    if (upTo > this.grantedUpTo) this.grantedUpTo = upTo;
    void this.pump();
  }

  /** Pulls and sends elements while the subscriber's credit lasts; one pump at a time. */
  private async pump(): Promise<void> {
    const pull = this.pull;
    const to = this.subscriber;
    if (this.pumping || pull === undefined || to === undefined) return;
    this.pumping = true;
    const local = isLocalActor(this.system, to);
    try {
      while (this.state === "streaming" && this.emitted < this.grantedUpTo) {
        const r = await pull.next();
        if (this.state !== "streaming") return;
        if (r.done) {
          to.tell(completeMessage(this.streamId, this.emitted), this.self);
          this.finish("completed", "");
          return;
        }
        const seq = ++this.emitted;
        to.tell(
          local ? new LocalElement(this.streamId, seq, r.value) : elementMessage(this.streamId, seq, packElement(this.system, r.value)),
          this.self,
        );
      }
    } catch (error) {
      this.fail(error);
    } finally {
      this.pumping = false;
    }
  }

  /** Fails the stream with `error`: the subscriber gets a StreamFailure and the source is cancelled. */
  fail(error: unknown): void {
    if (this.state !== "streaming" && this.state !== "waiting") return;
    this.failure = error;
    const reason = error instanceof Error ? error.message : String(error);
    this.subscriber?.tell(failureMessage(this.streamId, reason, isTsaktError(error) ? error.code : ""), this.self);
    if (this.pull !== undefined) void cancelQuietly(this.pull);
    this.finish("failed", reason);
  }

  private cancel(reason: string): void {
    if (this.state !== "streaming" && this.state !== "waiting") return;
    if (this.pull !== undefined) void cancelQuietly(this.pull);
    this.finish("cancelled", reason);
  }

  private finish(state: SourceRefState, reason: string): void {
    this.state = state;
    this.reason = reason;
    this.system.clock.clearTimeout(this.timer);
    this.live.delete(this.handle);
    if (this.system.isRunning) void this.system.stopActor(this.self).catch(() => undefined);
    this.settle(this.stats());
  }
}
