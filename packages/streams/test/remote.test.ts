import { create } from "@bufbuild/protobuf";
import { file_google_protobuf_wrappers, StringValueSchema, type UInt32Value, UInt32ValueSchema } from "@bufbuild/protobuf/wkt";
import { ActorSystem, type PID, silentLogger } from "@tsakt/actor";
import { remoting } from "@tsakt/remote";
import {
  RemoteStreamFailedError,
  remoteSink,
  remoteSource,
  Sink,
  Source,
  StreamCancelledError,
  StreamLinkBrokenError,
  streams,
} from "@tsakt/streams";
import { spawnTsChild } from "@tsakt/test-servers";
import { eventually } from "@tsakt/testkit";
import { afterEach, describe, expect, it } from "vitest";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface OriginCounters {
  emitted: number;
  stopped: boolean;
  ticks: number;
  state: string;
}

async function countersOf(probe: PID): Promise<OriginCounters> {
  const reply = await probe.ask<{ value: string }>(create(StringValueSchema, { value: "stats" }));
  return JSON.parse(reply.value) as OriginCounters;
}

describe("a stream across two processes", () => {
  it("a slow sink paces the source within 10%, bounds the mailbox by the credit window, and its cancel stops the source", async () => {
    const window = 16;
    const child = spawnTsChild(new URL("./fixtures/origin-node.ts", import.meta.url).pathname);
    cleanups.push(() => child.kill());
    const [, refAddress = "", probeAddress = ""] = (await child.waitForLine(/^ready /)).split(" ");
    const system = await ActorSystem.start({
      name: "sink",
      logger: silentLogger,
      plugins: [remoting({ host: "127.0.0.1", port: 0, types: [file_google_protobuf_wrappers] }), streams()],
    });
    cleanups.push(() => system.stop());
    const probe = await system.actorOf(probeAddress);

    // Stage 1 (map) runs in the child; stage 2 (filter) and stage 3 (mapAsync) here; the sink takes ~2 ms an element.
    const remote = remoteSource<UInt32Value>(system, refAddress, { window });
    let consumed = 0;
    let deepestMailbox = 0;
    const sampler = setInterval(() => {
      deepestMailbox = Math.max(deepestMailbox, system.queuedMessages());
    }, 1);
    cleanups.push(() => clearInterval(sampler));
    const controller = new AbortController();
    const run = remote
      .filter((n) => n.value % 2 === 0)
      .mapAsync(2, async (n) => n.value / 2)
      .runWith(
        Sink.forEach(async (n: number) => {
          expect(n).toBe(consumed + 1);
          deepestMailbox = Math.max(deepestMailbox, system.queuedMessages());
          await new Promise((resolve) => setTimeout(resolve, 2)); // the slow sink's work
          consumed++;
        }),
        { signal: controller.signal },
      );
    let failure: unknown;
    run.catch((error: unknown) => {
      failure = error;
    });
    cleanups.push(() => {
      if (failure !== undefined && !(failure instanceof StreamCancelledError))
        console.log("stream failed:", failure, remote.stats(), child.output());
    });

    await eventually("the stream warmed up", () => consumed >= 100, { timeoutMs: 20_000 });
    const s1 = consumed;
    const e1 = (await countersOf(probe)).emitted;
    const t1 = performance.now();
    await eventually("600 more elements reached the sink", () => consumed >= s1 + 600, { timeoutMs: 30_000 });
    const s2 = consumed;
    const e2 = (await countersOf(probe)).emitted;
    const t2 = performance.now();
    const sinkRate = ((s2 - s1) * 1000) / (t2 - t1);
    const sourceRate = ((e2 - e1) * 1000) / (t2 - t1);
    console.log(
      `source ${sourceRate.toFixed(0)}/s, sink ${sinkRate.toFixed(0)}/s, ratio ${(sourceRate / sinkRate).toFixed(3)}, ` +
        `source lead ${e2 - s2}, deepest mailbox ${deepestMailbox}, max unconsumed ${remote.stats().maxUnconsumed}`,
    );
    expect(sourceRate / sinkRate).toBeGreaterThanOrEqual(0.9);
    expect(sourceRate / sinkRate).toBeLessThanOrEqual(1.1);
    // The source is never further ahead than the credit window plus the elements inside the stages (mapAsync holds 2,
    // the sink 1) and what it emitted during the probe's round trip.
    const slack = 8;
    expect(e2 - s2).toBeLessThanOrEqual(window + slack);
    expect(remote.stats().maxUnconsumed).toBeLessThanOrEqual(window);
    expect(remote.stats().maxUnconsumed).toBeGreaterThan(0);
    expect(deepestMailbox).toBeLessThanOrEqual(window);

    controller.abort("the test cancels the sink");
    await expect(run).rejects.toBeInstanceOf(StreamCancelledError);
    const stoppedAt = await eventually(
      "the source was cancelled",
      async () => {
        const c = await countersOf(probe);
        return c.stopped && c.state === "cancelled" ? c : false;
      },
      { timeoutMs: 10_000 },
    ).then(() => countersOf(probe));
    // The child's clock moves on (100 ms of its ticks) and the source emits nothing more.
    await eventually("the child's time passed", async () => (await countersOf(probe)).ticks >= stoppedAt.ticks + 20, {
      timeoutMs: 10_000,
    });
    const later = await countersOf(probe);
    expect(later.emitted).toBe(stoppedAt.emitted);
    expect(later.emitted - consumed).toBeLessThanOrEqual(window + slack);
    expect(remote.stats().state).toBe("cancelled");
  }, 90_000);

  it("completes, carries the origin's failure with its code, refuses non-protobuf elements, and breaks when the origin's process dies", async () => {
    const child = spawnTsChild(new URL("./fixtures/origin-node.ts", import.meta.url).pathname);
    cleanups.push(() => child.kill());
    const [, endless = ""] = (await child.waitForLine(/^ready /)).split(" ");
    const [, finite = "", failing = "", plain = ""] = (await child.waitForLine(/^more /)).split(" ");
    const [, sinkAddress = ""] = (await child.waitForLine(/^sink /)).split(" ");
    const system = await ActorSystem.start({
      name: "sink",
      logger: silentLogger,
      plugins: [remoting({ host: "127.0.0.1", port: 0, types: [file_google_protobuf_wrappers] }), streams()],
    });
    cleanups.push(() => system.stop());

    const values = await remoteSource<UInt32Value>(system, finite, { window: 7 })
      .map((n) => n.value)
      .runWith(Sink.collect());
    expect(values).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));

    // The other way: a source here into the child's sink reference.
    await Source.from(Array.from({ length: 2000 }, (_, i) => create(UInt32ValueSchema, { value: i + 1 }))).runWith(
      remoteSink(system, sinkAddress),
    );
    expect(await child.waitForLine(/^sunk /)).toBe(`sunk ${(2000 * 2001) / 2}`);

    const seen: number[] = [];
    const failed = remoteSource<UInt32Value>(system, failing).runWith(Sink.forEach((n: UInt32Value) => void seen.push(n.value)));
    await expect(failed).rejects.toBeInstanceOf(RemoteStreamFailedError);
    await expect(failed).rejects.toMatchObject({ remoteCode: "InvalidOption" });
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

    await expect(remoteSource(system, plain).runWith(Sink.collect())).rejects.toMatchObject({
      code: "RemoteStreamFailed",
      remoteCode: "ElementNotSerializable",
    });

    let received = 0;
    const broken = remoteSource(system, endless).runWith(
      Sink.forEach(async () => {
        received++;
        await new Promise((resolve) => setTimeout(resolve, 1));
      }),
    );
    broken.catch(() => undefined);
    await eventually("elements flow", () => received >= 50, { timeoutMs: 20_000 });
    await child.kill();
    await expect(broken).rejects.toBeInstanceOf(StreamLinkBrokenError);
  }, 90_000);
});
