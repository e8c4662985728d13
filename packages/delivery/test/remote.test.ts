import { mkdtempSync, rmSync } from "node:fs";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { file_google_protobuf_wrappers, UInt32ValueSchema } from "@bufbuild/protobuf/wkt";
import { ActorSystem, silentLogger } from "@tsakt/actor";
import { reliableConsumer, reliableDelivery, reliableProducer } from "@tsakt/delivery";
import { remoting } from "@tsakt/remote";
import { remoteNodeOf } from "@tsakt/remote/internal";
import { spawnTsChild, type TsChild } from "@tsakt/test-servers";
import { eventually } from "@tsakt/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { checkHistory } from "./support/history.js";

const fixture = new URL("./fixtures/producer-node.ts", import.meta.url).pathname;
/** How many messages the fault test sends (the 100,000); TSAKT_DELIVERY_COUNT sets another. */
const count = Number(process.env.TSAKT_DELIVERY_COUNT ?? 100_000);

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Destroys every socket of the system's remoting: what a network failure does to a connection. */
function cutConnections(system: ActorSystem): number {
  const node = remoteNodeOf(system, "the test") as unknown as { connections: Set<{ socket: Socket }> };
  let cut = 0;
  for (const connection of node.connections) {
    connection.socket.destroy();
    cut++;
  }
  return cut;
}

/** The highest "acked <n>" line a producer child printed: every message up to n had send() resolved. */
function lastAcked(child: TsChild): number {
  let acked = 0;
  for (const match of child.output().matchAll(/^acked (\d+)$/gm)) acked = Math.max(acked, Number(match[1]));
  return acked;
}

describe("reliable delivery across two processes", () => {
  it(
    "delivers every message exactly once and in order through socket cuts, consumer restarts and a producer crash",
    async () => {
      const system = await ActorSystem.start({
        name: "consumer",
        logger: silentLogger,
        plugins: [remoting({ host: "127.0.0.1", port: 0, types: [file_google_protobuf_wrappers] }), reliableDelivery()],
      });
      cleanups.push(() => system.stop());
      const dir = mkdtempSync(join(tmpdir(), "tsakt-delivery-"));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));

      const history: number[] = [];
      const failAt = new Set([Math.floor(count * 0.25), Math.floor(count * 0.65)]);
      const sink = await system.spawn(
        "sink",
        reliableConsumer(
          () => ({
            receive(ctx) {
              if (!ctx.is(UInt32ValueSchema)) return;
              if (failAt.delete(ctx.message.value)) throw new Error("planned failure: the actor restarts");
              history.push(ctx.message.value);
            },
          }),
          { window: 200 },
        ),
      );

      let producer = spawnTsChild(fixture, [sink.address, String(count), dir]);
      cleanups.push(() => producer.kill());
      const reached = (fraction: number) =>
        eventually(`${fraction * 100}% processed`, () => history.length >= count * fraction, { timeoutMs: 60_000 });

      for (const fraction of [0.1, 0.2, 0.3]) {
        await reached(fraction);
        expect(cutConnections(system)).toBeGreaterThan(0);
      }
      await reached(0.45);
      await producer.kill();
      const ackedBeforeCrash = lastAcked(producer);
      expect(ackedBeforeCrash).toBeGreaterThan(0);
      producer = spawnTsChild(fixture, [sink.address, String(count), dir]);
      const restartedAt = Number((await producer.waitForLine(/^started \d+$/)).split(" ")[1]);
      // The next run continues after everything the crashed one acknowledged: those messages are in the journal.
      expect(restartedAt).toBeGreaterThan(ackedBeforeCrash);

      await reached(0.8);
      expect(cutConnections(system)).toBeGreaterThan(0);
      await producer.waitForLine(/^done \d+$/, 120_000);
      checkHistory(history, count);
      expect(failAt.size).toBe(0);
      expect(system.restartCount).toBe(2);
    },
    60_000 + count * 3,
  );
});

describe("flow control across two processes", () => {
  it("keeps a slow consumer's mailbox and the producer's in-flight messages within the window, and its buffer within bufferSize", async () => {
    const window = 20;
    const consumer = spawnTsChild(new URL("./fixtures/slow-consumer-node.ts", import.meta.url).pathname, [String(window)]);
    cleanups.push(() => consumer.kill());
    const address = (await consumer.waitForLine(/^ready /)).slice("ready ".length);
    const system = await ActorSystem.start({
      name: "fast",
      plugins: [remoting({ host: "127.0.0.1", port: 0, types: [file_google_protobuf_wrappers] }), reliableDelivery()],
    });
    cleanups.push(() => system.stop());
    const producer = await reliableProducer(system, { destination: `${address}/user/slow`, bufferSize: 200 });
    const total = 1500;
    let maxInFlight = 0;
    let maxHeld = 0;
    for (let n = 1; n <= total; n++) {
      // As fast as the producer takes messages: offer until it refuses, then wait for room.
      while (!producer.offer(create(UInt32ValueSchema, { value: n }))) await producer.ready();
      const stats = producer.stats();
      maxInFlight = Math.max(maxInFlight, stats.inFlight);
      maxHeld = Math.max(maxHeld, stats.held);
    }
    await producer.flush();
    const last = await consumer.waitForLine(new RegExp(`^processed ${total} deepest \\d+ at`));
    const deepest = Number(last.split(" ")[3]);
    expect(maxHeld).toBe(200);
    expect(maxInFlight).toBeLessThanOrEqual(window);
    expect(maxInFlight).toBeGreaterThan(window / 2);
    expect(deepest).toBeLessThanOrEqual(window);
  });
});
