import { isMessage } from "@bufbuild/protobuf";
import { type ActorSystem, type PID, type ReceiveContext, TerminatedSchema } from "@tsakt/actor";
import { hostOf } from "@tsakt/actor/internal";
import { AlreadyMaterializedError, RemoteStreamFailedError, StreamLinkBrokenError } from "../errors.js";
import { StreamCompleteSchema, StreamElementSchema, StreamFailureSchema } from "../gen/tsakt/streams/v1/streams_pb.js";
import { optional, optionsObject, positiveInteger } from "../options.js";
import { streamsOf } from "../plugin.js";
import type { Pull } from "../pull.js";
import { ElementQueue } from "../queue.js";
import { Source } from "../source.js";
import { cancelMessage, demandMessage, LocalElement, OriginGone, pidOfAddress, refAddress, unpackElement } from "./wire.js";

/** Options of remoteSource(system, ref, options). */
export interface RemoteSourceOptions {
  /** Credit: most elements sent by the origin and not yet taken by this stream; bounds the receiver's mailbox and buffer. Default: 32. */
  window?: number;
}

/** Where the receiving end is: not run yet, streaming, or ended (and how). */
export type RemoteSourceState = "idle" | "streaming" | "completed" | "failed" | "cancelled";

/** Counters of a remote source's run, for monitoring and tests. */
export interface RemoteSourceStats {
  /** Elements that arrived from the origin. */
  readonly received: number;
  /** Elements the stream took from the buffer. */
  readonly consumed: number;
  /** Credit granted in all (cumulative demand). */
  readonly grantedUpTo: number;
  /** Most elements that had arrived and were not yet taken, at any time: never above the window. */
  readonly maxUnconsumed: number;
  readonly state: RemoteSourceState;
}

let receivers = 0;

/** The receiving end of a remote stream: a Source (one run) whose elements come from a sourceRef on any node. */
export class RemoteSource<T> extends Source<T> {
  private receiver: Receiver<T> | undefined = undefined;

  /** @internal Use remoteSource(system, ref, options). */
  constructor(system: ActorSystem, ref: string, window: number) {
    super(() => {
      const me = this as RemoteSource<T>;
      if (me.receiver !== undefined) throw new AlreadyMaterializedError(`the remote source of ${ref}`);
      me.receiver = new Receiver<T>(system, ref, window);
      return me.receiver.pull();
    });
  }

  /** Counters of the run (all 0 and "idle" before it). */
  stats(): RemoteSourceStats {
    return this.receiver?.stats() ?? { received: 0, consumed: 0, grantedUpTo: 0, maxUnconsumed: 0, state: "idle" };
  }
}

/** The source of a sourceRef's elements, by its address (needs the streams() plugin); same-system refs work too. */
export function remoteSource<T = unknown>(
  system: ActorSystem,
  ref: string | { readonly address: string },
  options?: RemoteSourceOptions,
): RemoteSource<T> {
  streamsOf(system);
  const address = refAddress(ref, "SourceRef");
  const o = optionsObject(options, "{ window? }");
  const window = optional("window", o.window, positiveInteger, 32);
  return new RemoteSource<T>(system, address, window);
}

class Receiver<T> {
  private readonly queue: ElementQueue<T>;
  private readonly ready: Promise<void>;
  private self: PID | undefined = undefined;
  private origin: PID | undefined = undefined;
  private streamId = "";
  private received = 0;
  private consumed = 0;
  private grantedUpTo = 0;
  private maxUnconsumed = 0;
  private state: RemoteSourceState = "streaming";
  private readonly handle = { close: (reason: string) => this.end("failed", new StreamLinkBrokenError(reason)) };

  constructor(
    private readonly system: ActorSystem,
    private readonly address: string,
    private readonly window: number,
  ) {
    this.queue = new ElementQueue<T>(window, { onTake: () => this.onTake(), onCancel: () => this.onCancel() });
    this.ready = this.start();
    this.ready.catch((error: unknown) => this.end("failed", error));
  }

  stats(): RemoteSourceStats {
    const { received, consumed, grantedUpTo, maxUnconsumed, state } = this;
    return { received, consumed, grantedUpTo, maxUnconsumed, state };
  }

  pull(): Pull<T> {
    const reader = this.queue.reader();
    return {
      next: async () => {
        await this.ready;
        return reader.next();
      },
      return: () => reader.return?.() as ReturnType<NonNullable<Pull<T>["return"]>>,
    };
  }

  private async start(): Promise<void> {
    const plugin = streamsOf(this.system);
    this.origin = pidOfAddress(this.system, this.address);
    this.streamId = this.origin.name;
    if (this.state === "cancelled") this.origin.tell(cancelMessage(this.streamId, "the downstream cancelled before subscribing"));
    if (this.state !== "streaming") return;
    plugin.live.add(this.handle);
    this.self = await hostOf(this.system).spawnSystemActor(`stream-in-${++receivers}`, () => ({
      preStart: (ctx) => ctx.watch(this.origin as PID),
      receive: (ctx) => this.receive(ctx),
    }));
    this.grant(this.window);
  }

  private grant(upTo: number): void {
    this.grantedUpTo = upTo;
    this.origin?.tell(demandMessage(this.streamId, upTo), this.self);
  }

  private onTake(): void {
    this.consumed++;
    if (this.state === "streaming" && this.grantedUpTo - this.consumed <= this.window / 2) this.grant(this.consumed + this.window);
  }

  private onCancel(): void {
    if (this.state !== "streaming") return;
    this.origin?.tell(cancelMessage(this.streamId, "the downstream cancelled"), this.self);
    this.end("cancelled", undefined);
  }

  private receive(ctx: ReceiveContext): void {
    const m = ctx.message;
    if (this.state !== "streaming") return;
    if (m instanceof LocalElement) this.onElement(m.seq, () => m.value as T);
    else if (isMessage(m, StreamElementSchema)) this.onElement(m.seq, () => unpackElement(this.system, m.payload) as T);
    else if (isMessage(m, StreamCompleteSchema)) {
      if (m.count !== this.received) this.broken(`the origin completed after ${m.count} elements, ${this.received} arrived`);
      else this.end("completed", undefined);
    } else if (isMessage(m, StreamFailureSchema)) this.end("failed", new RemoteStreamFailedError(m.reason, m.code));
    else if (isMessage(m, TerminatedSchema)) ctx.tell(ctx.self, new OriginGone(this.streamId));
    else if (m instanceof OriginGone) this.broken("the source reference's actor stopped or its node became unreachable");
    else ctx.unhandled();
  }

  private onElement(seq: number, value: () => T): void {
    if (seq !== this.received + 1) return this.broken(`element ${seq} arrived after element ${this.received}: elements were lost`);
    if (seq > this.grantedUpTo) return this.broken(`element ${seq} arrived beyond the credit of ${this.grantedUpTo}`);
    let element: T;
    try {
      element = value();
    } catch (error) {
      this.origin?.tell(cancelMessage(this.streamId, String(error)), this.self);
      return this.end("failed", error);
    }
    this.received = seq;
    this.maxUnconsumed = Math.max(this.maxUnconsumed, this.received - this.consumed);
    if (!this.queue.offer(element)) this.broken("the buffer overflowed");
  }

  private broken(detail: string): void {
    this.origin?.tell(cancelMessage(this.streamId, detail), this.self);
    this.end("failed", new StreamLinkBrokenError(detail));
  }

  private end(state: RemoteSourceState, error: unknown): void {
    if (this.state !== "streaming") return;
    this.state = state;
    if (state === "completed") this.queue.complete();
    else if (state === "failed") this.queue.fail(error);
    streamsOf(this.system).live.delete(this.handle);
    const self = this.self;
    if (self !== undefined && this.system.isRunning) void this.system.stopActor(self).catch(() => undefined);
  }
}
