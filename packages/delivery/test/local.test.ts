import { create } from "@bufbuild/protobuf";
import { file_google_protobuf_wrappers, UInt32ValueSchema } from "@bufbuild/protobuf/wkt";
import { InvalidOptionError, type PID, PluginNotInstalledError } from "@tsakt/actor";
import { ProducerClosedError, reliableConsumer, reliableDelivery, reliableProducer } from "@tsakt/delivery";
import { MemoryEventJournal } from "@tsakt/persistence";
import { remoting } from "@tsakt/remote";
import { eventually, TestClock } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { checkHistory, recorder } from "./support/history.js";
import { systemPerTest } from "./support/system.js";

const start = systemPerTest();

describe("reliable delivery in one system", () => {
  it("delivers every message exactly once and in order", async () => {
    const sys = await start();
    const history: number[] = [];
    const consumer = await sys.spawn("consumer", reliableConsumer(recorder(history), { window: 50 }));
    const producer = await reliableProducer(sys, { destination: consumer, bufferSize: 200 });
    for (let i = 1; i <= 5000; i++) await producer.send(i);
    await producer.flush();
    checkHistory(history, 5000);
    expect(producer.stats()).toMatchObject({ held: 0, confirmed: 5000, inFlight: 0 });
  });

  it("delivers exactly once and in order over a path that loses and duplicates messages both ways", async () => {
    const sys = await start();
    const history: number[] = [];
    const consumer = await sys.spawn("consumer", reliableConsumer(recorder(history), { window: 64 }));
    // Between producer and consumer: towards the consumer it loses every 7th message and sends every 11th twice;
    // back towards the producer it loses every 5th (confirmations, demand).
    let forth = 0;
    let back = 0;
    let lost = 0;
    let producerPid: PID | undefined;
    const lossy = await sys.spawnFunc("lossy", (ctx) => {
      if (ctx.sender === consumer) {
        if (++back % 5 === 0) lost++;
        else if (producerPid !== undefined) ctx.tell(producerPid, ctx.message);
        return;
      }
      producerPid = ctx.sender;
      forth++;
      if (forth % 7 === 0) lost++;
      else ctx.tell(consumer, ctx.message);
      if (forth % 11 === 0) ctx.tell(consumer, ctx.message);
    });
    const producer = await reliableProducer(sys, { destination: lossy, resendIntervalMs: 20 });
    for (let i = 1; i <= 3000; i++) await producer.send(i);
    await producer.flush();
    checkHistory(history, 3000);
    expect(lost).toBeGreaterThan(400);
    expect(producer.stats().resent).toBeGreaterThan(0);
  });

  it("keeps its progress across a restart of the consuming actor: the failed message comes again, none twice", async () => {
    const sys = await start();
    const history: number[] = [];
    const failAt = new Set([700, 1500, 1501]);
    const consumer = await sys.spawn("consumer", reliableConsumer(recorder(history, failAt), { window: 40 }));
    const producer = await reliableProducer(sys, { destination: consumer, resendIntervalMs: 20 });
    for (let i = 1; i <= 2000; i++) await producer.send(i);
    await producer.flush();
    checkHistory(history, 2000);
    expect(failAt.size).toBe(0);
    expect(sys.restartCount).toBe(3);
  });

  it("bounds a slow consumer's in-flight messages by its window and the producer's buffer by bufferSize", async () => {
    const sys = await start();
    const history: number[] = [];
    let release: () => void = () => undefined;
    let gate = new Promise<void>((r) => {
      release = r;
    });
    let deepestMailbox = 0;
    const consumer = await sys.spawn(
      "slow",
      reliableConsumer(
        () => ({
          async receive(ctx) {
            if (typeof ctx.message !== "number") return;
            deepestMailbox = Math.max(deepestMailbox, sys.queuedMessages());
            await gate;
            history.push(ctx.message);
          },
        }),
        { window: 10 },
      ),
    );
    const producer = await reliableProducer(sys, { destination: consumer, bufferSize: 100 });
    let offered = 0;
    while (producer.offer(offered + 1)) offered++;
    expect(offered).toBe(100);
    await eventually("10 messages in flight", () => producer.stats().inFlight === 10);
    for (let round = 0; round < 20; round++) {
      const before = history.length;
      release();
      gate = new Promise<void>((r) => {
        release = r;
      });
      await eventually("the consumer to take one more", () => history.length > before);
      while (producer.offer(offered + 1)) offered++;
      expect(producer.stats().held).toBeLessThanOrEqual(100);
      expect(producer.stats().inFlight).toBeLessThanOrEqual(10);
    }
    expect(deepestMailbox).toBeLessThanOrEqual(10);
    expect(deepestMailbox).toBeGreaterThan(5);
    gate = Promise.resolve();
    release();
    await producer.flush();
    checkHistory(history, offered);
  });

  it("replays a durable producer's unconfirmed messages in its next run, and the consumer skips what it processed", async () => {
    const sys = await start({
      name: "durable",
      plugins: [remoting({ host: "127.0.0.1", port: 0, types: [file_google_protobuf_wrappers] }), reliableDelivery()],
    });
    const journal = new MemoryEventJournal();
    const history: number[] = [];
    let open = false;
    const consumer = await sys.spawn(
      "consumer",
      reliableConsumer(
        () => ({
          receive(ctx) {
            if (!ctx.is(UInt32ValueSchema)) return;
            if (!open && ctx.message.value > 50) throw new Error("not yet");
            history.push(ctx.message.value);
          },
        }),
        { window: 20 },
      ),
    );
    const first = await reliableProducer(sys, { destination: consumer, id: "orders", journal, resendIntervalMs: 20 });
    for (let i = 1; i <= 100; i++) await first.send(create(UInt32ValueSchema, { value: i }));
    await eventually("50 processed", () => history.length === 50);
    await first.close();
    open = true;
    const second = await reliableProducer(sys, { destination: consumer, id: "orders", journal, resendIntervalMs: 20 });
    await second.send(create(UInt32ValueSchema, { value: 101 }));
    await second.flush();
    checkHistory(history, 101);
  });

  it("ends a sequence: end() resolves once all is confirmed and the producer is closed", async () => {
    const sys = await start();
    const history: number[] = [];
    const consumer = await sys.spawn("consumer", reliableConsumer(recorder(history)));
    const producer = await reliableProducer(sys, { destination: consumer });
    for (let i = 1; i <= 10; i++) await producer.send(i);
    await producer.end();
    checkHistory(history, 10);
    expect(producer.stats().phase).toBe("closed");
    await expect(producer.send(11)).rejects.toBeInstanceOf(ProducerClosedError);
  });

  it("finds a destination by name", async () => {
    const sys = await start();
    const history: number[] = [];
    await sys.spawn("named", reliableConsumer(recorder(history)));
    const producer = await reliableProducer(sys, { destination: "named" });
    for (let i = 1; i <= 100; i++) await producer.send(i);
    await producer.flush();
    checkHistory(history, 100);
  });
});

describe("the resend schedule (test clock)", () => {
  it("says Hello again after resendIntervalMs of silence, doubling the pause, and delivers once the consumer answers", async () => {
    const clock = new TestClock();
    const sys = await start({ name: "clocked", clock, plugins: [reliableDelivery()] });
    const history: number[] = [];
    const consumer = await sys.spawn("consumer", reliableConsumer(recorder(history)));
    let open = false;
    const link = await sys.spawnFunc("link", (ctx) => {
      if (open) ctx.forward(consumer); // until then, everything towards the consumer is lost
    });
    const producer = await reliableProducer(sys, { destination: link, resendIntervalMs: 1000, maxResendIntervalMs: 4000 });
    for (let i = 1; i <= 10; i++) await producer.send(i);
    await eventually("the first Hello", () => producer.stats().hellos === 1);
    await clock.advance(990);
    expect(producer.stats().hellos).toBe(1);
    await clock.advance(10);
    await eventually("a Hello after 1000 ms", () => producer.stats().hellos === 2);
    await clock.advance(1990);
    expect(producer.stats().hellos).toBe(2);
    await clock.advance(10);
    await eventually("a Hello 2000 ms later", () => producer.stats().hellos === 3);
    await clock.advance(4000);
    await eventually("a Hello 4000 ms later", () => producer.stats().hellos === 4);
    await clock.advance(4000);
    await eventually("the pause capped at maxResendIntervalMs", () => producer.stats().hellos === 5);
    expect(history).toEqual([]);
    open = true;
    await clock.advance(4000);
    await producer.flush();
    checkHistory(history, 10);
  });
});

describe("a consumer that is replaced", () => {
  it("is found again by name after a stop and a new spawn, and gets every unconfirmed message (at least once)", async () => {
    const sys = await start();
    const history: number[] = [];
    let stopped = false;
    const factory = reliableConsumer(
      () => ({
        receive(ctx) {
          if (typeof ctx.message !== "number") return;
          history.push(ctx.message);
          if (ctx.message === 300 && !stopped) {
            stopped = true;
            ctx.stop(); // the first instance goes away after its 300th message
          }
        },
      }),
      { window: 20 },
    );
    await sys.spawn("moving", factory);
    const producer = await reliableProducer(sys, { destination: "moving", resendIntervalMs: 20 });
    const sending = (async () => {
      for (let i = 1; i <= 1000; i++) await producer.send(i);
    })();
    await eventually("the first instance to stop", () => stopped && sys.localActorOf("moving") === undefined);
    const before = history.length;
    expect(before).toBe(300);
    await sys.spawn("moving", factory);
    await sending;
    await producer.flush();
    // Everything arrived; the new instance started where the producer's confirmations ended, so it may repeat a few.
    expect(new Set(history).size).toBe(1000);
    const after = history.slice(before);
    expect(after.every((n, i) => i === 0 || n === (after[i - 1] as number) + 1)).toBe(true);
    expect(after[after.length - 1]).toBe(1000);
    expect(history.length - 1000).toBeLessThanOrEqual(20);
    expect(producer.stats().hellos).toBeGreaterThan(1);
  });
});

describe("reliable delivery's errors", () => {
  it("rejects bad options with InvalidOptionError naming the field", async () => {
    const sys = await start();
    const pid = await sys.spawn("c", reliableConsumer(recorder([])));
    await expect(reliableProducer(sys, { destination: "" })).rejects.toMatchObject({ code: "InvalidOption", field: "destination" });
    await expect(reliableProducer(sys, { destination: pid, bufferSize: 0 })).rejects.toMatchObject({ field: "bufferSize" });
    await expect(reliableProducer(sys, { destination: pid, resendIntervalMs: -1 })).rejects.toMatchObject({ field: "resendIntervalMs" });
    await expect(reliableProducer(sys, { destination: pid, journal: new MemoryEventJournal() })).rejects.toMatchObject({ field: "id" });
    await expect(reliableProducer(sys, { destination: pid, journal: {} as never, id: "x" })).rejects.toMatchObject({ field: "journal" });
    expect(() => reliableConsumer(recorder([]), { window: 1.5 })).toThrow(InvalidOptionError);
    expect(() => reliableConsumer("nope" as never)).toThrow(/factory/);
  });

  it("needs the plugin: PluginNotInstalledError names @tsakt/delivery", async () => {
    const system = await start({ name: "bare" });
    const pid = await system.spawn("c", reliableConsumer(recorder([])));
    await expect(reliableProducer(system, { destination: pid })).rejects.toBeInstanceOf(PluginNotInstalledError);
    await expect(reliableProducer(system, { destination: pid })).rejects.toThrow(/@tsakt\/delivery/);
  });

  it("fails send() on a closed producer and flush() when it closes first", async () => {
    const sys = await start();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const pid = await sys.spawn(
      "c",
      reliableConsumer(() => ({ receive: () => gate }), { window: 1 }),
    );
    const producer = await reliableProducer(sys, { destination: pid });
    await producer.send(1);
    await producer.send(2);
    const flushed = producer.flush();
    await producer.close();
    await expect(flushed).rejects.toMatchObject({ code: "ProducerClosed" });
    await expect(producer.send(3)).rejects.toBeInstanceOf(ProducerClosedError);
    release();
  });
});
