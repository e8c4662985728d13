import { isMessage } from "@bufbuild/protobuf";
import { type ActorSystem, InvalidOptionError, type PID, type ReceiveContext } from "@tsakt/actor";
import { hostOf } from "@tsakt/actor/internal";
import { StreamCancelledError, StreamLinkBrokenError, SubscriptionTimeoutError } from "../errors.js";
import { StreamOfferSchema } from "../gen/tsakt/streams/v1/streams_pb.js";
import { optional, optionsObject, positiveInteger, positiveMs } from "../options.js";
import { streamsOf } from "../plugin.js";
import { cancelQuietly } from "../pull.js";
import { Sink } from "../sink.js";
import { Source } from "../source.js";
import { startOrigin } from "./origin.js";
import { RemoteSource } from "./receiver.js";
import { failureMessage, offerMessage, pidOfAddress, refAddress } from "./wire.js";

/** Options of sinkRef(system, sink, options). */
export interface SinkRefOptions {
  /** How long the reference waits for a stream (remoteSink) before its result rejects with SubscriptionTimeoutError. Default: 30000. */
  subscriptionTimeoutMs?: number;
  /** Credit this side grants the stream's origin (as remoteSource's window). Default: 32. */
  window?: number;
}

/** The receiving end of a stream run on another node: give `address` to that node, which runs source.runWith(remoteSink(system, address)). */
export interface SinkRef<R> {
  /** The address of the reference's actor ("tsakt://name@host:port/system/stream-sink-…"). */
  readonly address: string;
  /** The sink's result once the stream ended: rejects with the sink's error, RemoteStreamFailedError when the origin failed, SubscriptionTimeoutError when no stream came. */
  readonly result: Promise<R>;
}

/** Options of remoteSink(system, ref, options). */
export interface RemoteSinkOptions {
  /** How long to wait for the sink reference to subscribe before the run rejects with SubscriptionTimeoutError. Default: 30000. */
  subscriptionTimeoutMs?: number;
}

let sinkRefs = 0;

/**
 * Offers `sink` to one stream from any node (needs the streams() plugin): when a remoteSink is run with a source, this
 * side subscribes to it with credit as remoteSource does, so the sink here paces the source there.
 */
export async function sinkRef<T, R>(system: ActorSystem, sink: Sink<T, R>, options?: SinkRefOptions): Promise<SinkRef<R>> {
  const plugin = streamsOf(system);
  if (sink === null || typeof sink !== "object" || typeof (sink as Partial<Sink<T, R>>).run !== "function")
    throw new InvalidOptionError("sink", "must be a Sink");
  const o = optionsObject(options, "{ subscriptionTimeoutMs?, window? }");
  const timeoutMs = optional("subscriptionTimeoutMs", o.subscriptionTimeoutMs, positiveMs, 30_000);
  const window = optional("window", o.window, positiveInteger, 32);
  let resolve: (value: R) => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const result = new Promise<R>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  result.catch(() => undefined); // the caller may never read it
  let pid: PID | undefined;
  let taken = false;
  const handle = {
    close: (reason: string) => {
      reject(new StreamLinkBrokenError(reason));
      end();
    },
  };
  const end = () => {
    system.clock.clearTimeout(timer);
    plugin.live.delete(handle);
    if (pid !== undefined && system.isRunning) void system.stopActor(pid).catch(() => undefined);
  };
  const name = `stream-sink-${++sinkRefs}-${Math.random().toString(36).slice(2, 10)}`;
  const timer = system.clock.setTimeout(() => {
    if (taken) return;
    const error = new SubscriptionTimeoutError(pid?.address ?? name, timeoutMs);
    system.logger.warn({ stream: name }, error.message);
    reject(error);
    end();
  }, timeoutMs);
  plugin.live.add(handle);
  pid = await hostOf(system).spawnSystemActor(name, () => ({
    receive(ctx: ReceiveContext) {
      const m = ctx.message;
      const origin = ctx.sender;
      if (!isMessage(m, StreamOfferSchema) || origin === undefined) return;
      if (taken) {
        origin.tell(
          failureMessage(m.streamId, `the sink reference ${ctx.self.address} already has a stream`, "AlreadyMaterialized"),
          ctx.self,
        );
        return;
      }
      taken = true;
      system.clock.clearTimeout(timer);
      sink
        .run(new RemoteSource<T>(system, origin.address, window))
        .then(resolve, reject)
        .finally(end);
    },
  }));
  return { address: pid.address, result };
}

/**
 * A sink that streams into a sinkRef on any node (by its address): the source here is pulled only as far as the far
 * side's credit allows. Resolves once the stream completed (or the far side's sink cancelled it); rejects with the
 * source's error, RemoteStreamFailedError, StreamCancelledError or SubscriptionTimeoutError.
 */
export function remoteSink<T>(system: ActorSystem, ref: string | { readonly address: string }, options?: RemoteSinkOptions): Sink<T, void> {
  streamsOf(system);
  const address = refAddress(ref, "SinkRef");
  const o = optionsObject(options, "{ subscriptionTimeoutMs? }");
  const timeoutMs = optional("subscriptionTimeoutMs", o.subscriptionTimeoutMs, positiveMs, 30_000);
  return Sink.of<T, void>(async (pull, signal) => {
    let target: PID;
    try {
      target = pidOfAddress(system, address);
    } catch (error) {
      await cancelQuietly(pull);
      throw error;
    }
    const origin = await startOrigin(system, new Source(() => pull), timeoutMs);
    const onAbort = () => origin.fail(new StreamCancelledError(signal?.reason));
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      if (signal?.aborted) onAbort();
      target.tell(offerMessage(origin.streamId), origin.self);
      const { state } = await origin.done;
      if (state === "failed") throw origin.failure;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  });
}
