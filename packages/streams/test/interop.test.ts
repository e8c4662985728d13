import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ActorSystem, PluginNotInstalledError, silentLogger } from "@tsakt/actor";
import { reliableDelivery, reliableProducer } from "@tsakt/delivery";
import {
  AlreadyMaterializedError,
  actorSource,
  BufferOverflowError,
  reliableSource,
  remoteSink,
  remoteSource,
  Sink,
  Source,
  sinkRef,
  sourceRef,
  streams,
  writableSource,
} from "@tsakt/streams";
import { capturingLogger, eventually } from "@tsakt/testkit";
import { afterEach, describe, expect, it } from "vitest";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function system(): Promise<ActorSystem> {
  const s = await ActorSystem.start({ name: "streams-local", logger: silentLogger, plugins: [streams(), reliableDelivery()] });
  cleanups.push(() => s.stop());
  return s;
}

/** A Writable that takes one chunk per `turns` event-loop turns and records the most chunks it had buffered. */
function slowWritable(): { writable: Writable; chunks: unknown[]; mostBuffered: () => number } {
  const chunks: unknown[] = [];
  let most = 0;
  const writable = new Writable({
    objectMode: true,
    highWaterMark: 2,
    write(chunk, _encoding, callback) {
      most = Math.max(most, writable.writableLength);
      chunks.push(chunk);
      setImmediate(callback);
    },
  });
  return { writable, chunks, mostBuffered: () => most };
}

describe("Node streams and async iterators", () => {
  it("reads a Readable and writes a Writable, waiting for drain", async () => {
    const { writable, chunks, mostBuffered } = slowWritable();
    await Source.fromReadable<number>(Readable.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))
      .map((x) => x * 2)
      .runWith(Sink.toWritable(writable));
    expect(chunks).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    expect(mostBuffered()).toBeLessThanOrEqual(2);
    expect(writable.writableFinished).toBe(true);
  });

  it("turns a source into a Readable that pipeline() drives; destroying it cancels the source", async () => {
    const { writable, chunks } = slowWritable();
    await pipeline(Source.from([1, 2, 3]).toReadable(), writable);
    expect(chunks).toEqual([1, 2, 3]);

    let emitted = 0;
    let finished = false;
    const readable = Source.lazy(function* () {
      try {
        for (;;) yield ++emitted;
      } finally {
        finished = true;
      }
    }).toReadable({ highWaterMark: 4 });
    const first: number[] = [];
    for await (const x of readable) {
      first.push(x as number);
      if (first.length === 3) break;
    }
    expect(first).toEqual([1, 2, 3]);
    await eventually("the source was cancelled", () => finished);
    expect(emitted).toBeLessThan(20);
  });

  it("a source is an async iterable; breaking out of for await cancels it", async () => {
    let finished = false;
    const source = Source.lazy(async function* () {
      try {
        for (let i = 1; ; i++) yield i;
      } finally {
        finished = true;
      }
    }).filter((x) => x % 2 === 1);
    const seen: number[] = [];
    for await (const x of source) {
      seen.push(x);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual([1, 3, 5]);
    expect(finished).toBe(true);
  });

  it("a writable source feeds a stream with backpressure; end() completes it", async () => {
    const { writable, source } = writableSource<number>({ highWaterMark: 2 });
    const done = source.runWith(Sink.collect());
    await pipeline(Readable.from([1, 2, 3, 4, 5]), writable);
    expect(await done).toEqual([1, 2, 3, 4, 5]);
    expect(() => source.runWith(Sink.collect())).toThrow(AlreadyMaterializedError);
  });
});

describe("actors", () => {
  it("an actor source emits what is told to its actor and completes on complete()", async () => {
    const s = await system();
    const { pid, source, complete } = await actorSource<string>(s, { bufferSize: 10 });
    const done = source.map((x) => x.toUpperCase()).runWith(Sink.collect());
    pid.tell("a");
    pid.tell("b");
    await eventually("both processed", () => s.queuedMessages() === 0);
    complete();
    expect(await done).toEqual(["A", "B"]);
    await eventually("the actor stopped", () => !pid.isAlive());
  });

  it("an actor source with overflow 'fail' fails the stream with BufferOverflowError", async () => {
    const s = await system();
    const { pid, source } = await actorSource<number>(s, { bufferSize: 2 });
    for (let i = 0; i < 3; i++) pid.tell(i);
    await eventually("the actor stopped", () => !pid.isAlive());
    await expect(source.runWith(Sink.collect())).rejects.toBeInstanceOf(BufferOverflowError);
  });

  it("an actor source with overflow 'backpressure' bounds its mailbox: send() waits for the stream", async () => {
    const s = await system();
    const { pid, source, complete } = await actorSource<number>(s, { bufferSize: 4, overflow: "backpressure" });
    const sends = (async () => {
      for (let i = 1; i <= 30; i++) await pid.send(i);
    })();
    let deepest = 0;
    const seen: number[] = [];
    const run = source.runWith(
      Sink.forEach(async (x: number) => {
        deepest = Math.max(deepest, s.queuedMessages());
        seen.push(x);
        await new Promise((resolve) => setImmediate(resolve));
        if (x === 30) complete();
      }),
    );
    await sends;
    await run;
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(deepest).toBeLessThanOrEqual(4);
  });

  it("a sink to an actor asks each element, so the actor's replies pace the stream", async () => {
    const s = await system();
    const got: number[] = [];
    let deepest = 0;
    const actor = await s.spawnFunc("adder", async (ctx) => {
      if (typeof ctx.message !== "number") return;
      deepest = Math.max(deepest, s.queuedMessages());
      got.push(ctx.message);
      ctx.respond(true);
    });
    await Source.from([1, 2, 3, 4, 5]).runWith(Sink.toActor(actor));
    expect(got).toEqual([1, 2, 3, 4, 5]);
    expect(deepest).toBe(0);
  });

  it("a reliable source turns a reliable producer's messages into a stream", async () => {
    const s = await system();
    const { pid, source, complete } = await reliableSource<number>(s, "reliable-in", { window: 10, bufferSize: 5 });
    const producer = await reliableProducer(s, { destination: pid, bufferSize: 50 });
    const seen: number[] = [];
    const run = source.runWith(
      Sink.forEach((x: number) => {
        seen.push(x);
        if (x === 200) complete();
      }),
    );
    for (let i = 1; i <= 200; i++) await producer.send(i);
    await producer.flush();
    await run;
    expect(seen).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    await producer.close();
  });
});

describe("source references in one system", () => {
  it("streams through a source reference with the same API, within the credit window, logging nothing above info", async () => {
    const logger = capturingLogger();
    const s = await ActorSystem.start({ name: "refs", logger, plugins: [streams()] });
    cleanups.push(() => s.stop());
    const ref = await sourceRef(
      s,
      Source.from(Array.from({ length: 500 }, (_, i) => i)).map((x) => ({ x })),
    );
    const remote = remoteSource<{ x: number }>(s, ref, { window: 8 });
    const total = await remote.map(({ x }) => x).runWith(Sink.fold(0, (a, x) => a + x));
    expect(total).toBe((499 * 500) / 2);
    expect(remote.stats()).toMatchObject({ received: 500, consumed: 500, state: "completed" });
    expect(remote.stats().maxUnconsumed).toBeLessThanOrEqual(8);
    expect(await ref.done).toMatchObject({ emitted: 500, state: "completed" });
    expect(() => remote.runWith(Sink.ignore())).toThrow(AlreadyMaterializedError);
    await s.stop();
    expect(logger.format(logger.atOrAbove("warn"))).toBe("");
  });

  it("a failing origin fails the receiving stream with RemoteStreamFailedError", async () => {
    const s = await system();
    const ref = await sourceRef(
      s,
      Source.from([1, 2, 3]).map((x) => {
        if (x === 3) throw new Error("origin broke");
        return x;
      }),
    );
    const run = remoteSource(s, ref).runWith(Sink.collect());
    await expect(run).rejects.toMatchObject({ code: "RemoteStreamFailed", reason: "origin broke" });
    expect((await ref.done).state).toBe("failed");
  });

  it("a reference nobody subscribes to cancels its source after subscriptionTimeoutMs", async () => {
    const s = await ActorSystem.start({ name: "timeout", logger: silentLogger, plugins: [streams()] });
    cleanups.push(() => s.stop());
    const ref = await sourceRef(s, Source.from([1]), { subscriptionTimeoutMs: 50 });
    expect(await ref.done).toMatchObject({ state: "failed", emitted: 0 });
    expect(ref.stats().reason).toContain("within 50 ms");
  });

  it("needs the streams plugin, and checks its options", async () => {
    const bare = await ActorSystem.start({ name: "bare", logger: silentLogger });
    cleanups.push(() => bare.stop());
    await expect(sourceRef(bare, Source.from([1]))).rejects.toBeInstanceOf(PluginNotInstalledError);
    expect(() => remoteSource(bare, "tsakt://x/system/y")).toThrow(PluginNotInstalledError);
    const s = await system();
    expect(() => remoteSource(s, "nowhere")).toThrow(/ref/);
    expect(() => remoteSource(s, "tsakt://x/y", { window: 0 })).toThrow(/window/);
    await expect(sourceRef(s, Source.from([1]), { subscriptionTimeoutMs: -5 })).rejects.toThrow(/subscriptionTimeoutMs/);
  });

  it("a sink reference paces a source run elsewhere with remoteSink, and takes one stream", async () => {
    const s = await system();
    let consumed = 0;
    let emitted = 0;
    let mostAhead = 0;
    const ref = await sinkRef(
      s,
      Sink.fold(0, async (sum, x: number) => {
        mostAhead = Math.max(mostAhead, emitted - consumed);
        await new Promise((resolve) => setImmediate(resolve));
        consumed++;
        return sum + x;
      }),
      { window: 8 },
    );
    const source = Source.lazy(function* () {
      for (let i = 1; i <= 300; i++) {
        emitted++;
        yield i;
      }
    });
    await source.runWith(remoteSink(s, ref));
    expect(await ref.result).toBe((300 * 301) / 2);
    expect(mostAhead).toBeLessThanOrEqual(8 + 1);
    // The reference stops with its stream.
    await eventually("the reference stopped", () => s.localActorOf(ref.address) === undefined);
    await expect(Source.from([1]).runWith(remoteSink(s, ref.address))).rejects.toMatchObject({ code: "ActorNotFound" });
  });

  it("aborting a run into a remote sink fails the sink reference's result", async () => {
    const s = await system();
    const got: number[] = [];
    const ref = await sinkRef(
      s,
      Sink.forEach((x: number) => void got.push(x)),
    );
    const controller = new AbortController();
    const { writable, source } = writableSource<number>();
    const run = source.runWith(remoteSink(s, ref), { signal: controller.signal });
    writable.write(1);
    await eventually("the first element arrived", () => got.length === 1);
    // While it streams, the reference refuses a second stream.
    await expect(Source.from([9]).runWith(remoteSink(s, ref))).rejects.toMatchObject({
      code: "RemoteStreamFailed",
      remoteCode: "AlreadyMaterialized",
    });
    controller.abort("stop");
    await expect(run).rejects.toMatchObject({ code: "StreamCancelled" });
    await expect(ref.result).rejects.toMatchObject({ code: "RemoteStreamFailed", remoteCode: "StreamCancelled" });
  });
});
