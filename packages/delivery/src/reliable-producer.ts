import { isMessage } from "@bufbuild/protobuf";
import { type ActorSystem, type ReceiveContext, SystemNotStartedError } from "@tsakt/actor";
import { hostOf } from "@tsakt/actor/internal";
import type { DeliveryCancelledError } from "./errors.js";
import { CancelSchema, DemandSchema, Kind, ResyncSchema } from "./gen/tsakt/delivery/v1/delivery_pb.js";
import { type ProducerOptions, resolveProducerOptions } from "./options.js";
import { deliveryOf } from "./plugin.js";
import { ProducerController, type ProducerStats } from "./producer.js";
import { ProducerJournal } from "./producer-journal.js";

/** The sending end of reliable delivery: numbered, flow-controlled messages to one consumer, sent again until confirmed. */
export interface ReliableProducer extends AsyncDisposable {
  /** Identifies the producer to its consumer (which de-duplicates by id and sequence number). */
  readonly id: string;
  /**
   * Takes `message`, waiting while bufferSize messages are unconfirmed; resolves once it is held (journaled, when
   * durable). Rejects with PayloadNotSerializableError when it cannot cross nodes, ProducerClosedError when closed.
   */
  send(message: unknown): Promise<void>;
  /** Takes `message` if there is room now: true, else false (await ready() and offer again). */
  offer(message: unknown): boolean;
  /** Resolves when there is room for a message. */
  ready(): Promise<void>;
  /** Resolves once every message taken so far is confirmed by the consumer; rejects when the producer closes first. */
  flush(): Promise<void>;
  /** Ends the sequence: resolves once the consumer confirmed every message, then the producer closes. */
  end(): Promise<void>;
  /** Closes now: unconfirmed messages are dropped (a durable producer keeps them in its journal for the next run). */
  close(): Promise<void>;
  /** Calls `listener` when the consumer cancels the producer; returns a function that removes it. */
  onCancel(listener: (error: DeliveryCancelledError) => void): () => void;
  /** Counters and state, for monitoring and tests. */
  stats(): ProducerStats;
}

let producerActors = 0;

/**
 * Starts a reliable producer towards `options.destination` (needs the reliableDelivery() plugin). A durable producer
 * (options.journal) first replays what its previous run left unconfirmed and sends it again.
 */
export async function reliableProducer(system: ActorSystem, options: ProducerOptions): Promise<ReliableProducer> {
  const plugin = deliveryOf(system);
  const resolved = resolveProducerOptions(options);
  const host = hostOf(system);
  const codec = plugin.codec;
  if (codec === undefined) throw new SystemNotStartedError("start a reliable producer");
  let controller: ProducerController | undefined;
  const journal =
    resolved.journal === undefined
      ? undefined
      : new ProducerJournal(resolved.journal, resolved.id, (error) =>
          system.logger.warn({ err: error, producer: resolved.id }, error.message),
        );
  const recovered = await journal?.recover();
  const pid = await host.spawnSystemActor(`delivery-producer-${++producerActors}`, () => ({
    receive(ctx: ReceiveContext) {
      const c = controller;
      if (c === undefined) return;
      const m = ctx.message;
      if (isMessage(m, DemandSchema)) c.onDemand(m);
      else if (isMessage(m, ResyncSchema)) c.onResync(m);
      else if (isMessage(m, CancelSchema)) c.onCancel(m);
      else ctx.unhandled();
    },
  }));
  const c = new ProducerController(
    {
      system,
      clock: host.clock,
      codec,
      closed(closing) {
        plugin.producers.delete(handle);
        if (closing.pid !== undefined && system.isRunning) void system.stopActor(closing.pid).catch(() => undefined);
      },
    },
    resolved,
    journal,
  );
  controller = c;
  const handle = {
    close: () => c.close(),
  };
  plugin.producers.add(handle);
  c.start(pid, recovered);
  const close = async (): Promise<void> => {
    c.close();
    await c.settled();
  };
  return {
    id: c.id,
    send: (message) => c.send(message),
    offer: (message) => c.offer(message),
    ready: () => c.ready(),
    flush: () => c.flush(),
    async end() {
      await c.send(undefined, Kind.END);
      await c.flush();
      await c.settled();
    },
    close,
    onCancel: (listener) => c.addCancelListener(listener),
    stats: () => c.stats(),
    [Symbol.asyncDispose]: close,
  };
}
