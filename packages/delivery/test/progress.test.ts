import { fromBinary } from "@bufbuild/protobuf";
import type { ActorFactory, ActorSystem, PID } from "@tsakt/actor";
import { ConsumerProgressSchema, currentDelivery, type ProgressWrites, reliableConsumer, reliableProducer } from "@tsakt/delivery";
import { MemoryStateStore, type StateStore, StoreUnavailableError } from "@tsakt/persistence";
import { eventually } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { checkHistory, recorder } from "./support/history.js";
import { systemPerTest } from "./support/system.js";

const start = systemPerTest();

/** A consumer that records each number, calls `onNumber` with it, and stops itself after `stopAt` (once). */
function stoppingRecorder(
  history: number[],
  stopAt: number,
  onNumber: (n: number) => void,
): { factory: ActorFactory; stopped: () => boolean } {
  let stopped = false;
  const factory: ActorFactory = () => ({
    receive(ctx) {
      if (typeof ctx.message !== "number") return;
      history.push(ctx.message);
      onNumber(ctx.message);
      if (ctx.message === stopAt && !stopped) {
        stopped = true;
        ctx.stop();
      }
    },
  });
  return { factory, stopped: () => stopped };
}

/**
 * A relay between a producer and the actor named `name`: forwards the producer's messages to the actor's current
 * instance and the actor's answers back, except while `dropping()` (the confirmations of the actor's last messages are
 * lost, so only a stored progress tells the next instance what was processed).
 */
function relay(sys: ActorSystem, name: string, dropping: () => boolean): ActorFactory {
  let producer: PID | undefined;
  return () => ({
    receive(ctx) {
      const target = sys.localActorOf(name);
      if (target !== undefined && ctx.sender?.path === target.path) {
        if (!dropping() && producer !== undefined) ctx.tell(producer, ctx.message);
        return;
      }
      producer = ctx.sender;
      if (target !== undefined) ctx.tell(target, ctx.message);
    },
  });
}

/** Sends 1..count in the background (send() waits while the buffer is full). */
function sendAll(producer: { send(n: number): Promise<void> }, count: number): Promise<void> {
  return (async () => {
    for (let i = 1; i <= count; i++) await producer.send(i);
  })();
}

describe("durable consumer progress", () => {
  for (const progressWrites of ["each", "batched"] as ProgressWrites[]) {
    it(`resumes exactly once in a new actor under the same name (progressWrites "${progressWrites}")`, async () => {
      const sys = await start();
      const store = new MemoryStateStore();
      const history: number[] = [];
      let dropping = false;
      const first = stoppingRecorder(history, 300, (n) => {
        if (n === 285) dropping = true; // the confirmations of 285..300 never reach the producer
      });
      await sys.spawn("moving", reliableConsumer(first.factory, { window: 100, progress: store, progressWrites }));
      const via = await sys.spawn(
        "relay",
        relay(sys, "moving", () => dropping),
      );
      const producer = await reliableProducer(sys, { destination: via, id: "p1", resendIntervalMs: 20 });
      const sending = sendAll(producer, 1000);
      await eventually("the first instance to stop", () => first.stopped() && sys.localActorOf("moving") === undefined);
      expect(history.length).toBe(300);
      // A new actor (a new PID, no progress in memory): the producer still holds 285..300, the store says they were processed.
      await sys.spawn("moving", reliableConsumer(recorder(history), { window: 100, progress: store, progressWrites }));
      dropping = false;
      await sending;
      await producer.flush();
      checkHistory(history, 1000);
      const stored = await store.load("delivery-consumer//user/moving/p1");
      expect(stored).toBeDefined();
      expect(fromBinary(ConsumerProgressSchema, (stored as { bytes: Uint8Array }).bytes).processed).toBe(1000);
    });
  }

  it("names the consumer in the store with `name`, and end() deletes the stored progress", async () => {
    const sys = await start();
    const store = new MemoryStateStore();
    const history: number[] = [];
    await sys.spawn("billing", reliableConsumer(recorder(history), { progress: store, name: "billing-v1" }));
    const producer = await reliableProducer(sys, { destination: "billing", id: "orders" });
    for (let i = 1; i <= 50; i++) await producer.send(i);
    await producer.flush();
    const key = "delivery-consumer/billing-v1/orders";
    expect(fromBinary(ConsumerProgressSchema, ((await store.load(key)) as { bytes: Uint8Array }).bytes).processed).toBe(50);
    await producer.end();
    await eventually("the progress to be deleted", async () => (await store.load(key)) === undefined);
    checkHistory(history, 50);
  });

  it("delivers a message again when its progress write failed (the crash window), and currentDelivery() lets the handler skip it", async () => {
    const sys = await start();
    const inner = new MemoryStateStore();
    let failures = 0;
    // The write that stores message 120 fails once: the actor processed it, its progress is not stored.
    const store: StateStore = {
      id: "failing-once",
      load: (key) => inner.load(key),
      clear: (key, version) => inner.clear(key, version),
      close: () => inner.close(),
      [Symbol.asyncDispose]: () => inner[Symbol.asyncDispose](),
      save(key, bytes, version) {
        if (failures === 0 && fromBinary(ConsumerProgressSchema, bytes).processed === 120) {
          failures++;
          return Promise.reject(new StoreUnavailableError("test", "save", new Error("disk gone")));
        }
        return inner.save(key, bytes, version);
      },
    };
    const seen: number[] = []; // every call of the handler
    const effects: number[] = []; // what the handler did, de-duplicated by the delivery's sequence number
    let lastSeq = 0; // stands for a sequence number stored with the effect, in the same transaction
    await sys.spawn(
      "ledger",
      reliableConsumer(
        () => ({
          receive(ctx) {
            if (typeof ctx.message !== "number") return;
            seen.push(ctx.message);
            const delivery = currentDelivery(ctx);
            if (delivery === undefined || delivery.seq <= lastSeq) return; // done already
            effects.push(ctx.message);
            lastSeq = delivery.seq;
          },
        }),
        { window: 30, progress: store },
      ),
    );
    const producer = await reliableProducer(sys, { destination: "ledger", resendIntervalMs: 20 });
    for (let i = 1; i <= 300; i++) await producer.send(i);
    await producer.flush();
    expect(failures).toBe(1);
    expect(sys.restartCount).toBe(1); // the failed write failed the actor
    // The handler saw 120 twice (at least once in that window), and nothing else twice.
    expect(seen.length).toBe(301);
    expect(seen.filter((n) => n === 120).length).toBe(2);
    checkHistory(effects, 300);
  });

  it("rejects bad consumer progress options with InvalidOptionError naming the field", () => {
    const store = new MemoryStateStore();
    expect(() => reliableConsumer(recorder([]), { progress: {} as never })).toThrow(expect.objectContaining({ field: "progress" }));
    expect(() => reliableConsumer(recorder([]), { name: "x" })).toThrow(expect.objectContaining({ field: "name" }));
    expect(() => reliableConsumer(recorder([]), { progress: store, name: "" })).toThrow(expect.objectContaining({ field: "name" }));
    expect(() => reliableConsumer(recorder([]), { progress: store, progressWrites: "often" as never })).toThrow(
      expect.objectContaining({ code: "InvalidOption", field: "progressWrites" }),
    );
  });
});
