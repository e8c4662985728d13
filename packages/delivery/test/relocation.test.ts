import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { file_google_protobuf_wrappers, UInt32ValueSchema } from "@bufbuild/protobuf/wkt";
import { ActorSystem, silentLogger } from "@tsakt/actor";
import { cluster, clusterOf } from "@tsakt/cluster";
import { reliableDelivery, reliableProducer } from "@tsakt/delivery";
import { StaticDiscoveryProvider } from "@tsakt/discovery-static";
import { remoting } from "@tsakt/remote";
import { freePorts, spawnTsChild, type TsChild } from "@tsakt/test-servers";
import { eventually } from "@tsakt/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { checkHistory } from "./support/history.js";

const fixture = new URL("./fixtures/cluster-consumer-node.ts", import.meta.url).pathname;
/** How many messages the test sends (the 100,000); TSAKT_DELIVERY_COUNT sets another. */
const count = Number(process.env.TSAKT_DELIVERY_COUNT ?? 100_000);

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The values a consumer node processed, in order, from its history file (empty when it wrote none). */
function historyOf(dir: string, port: number): number[] {
  try {
    const bytes = readFileSync(join(dir, `history-${port}.bin`));
    return [...new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)];
  } catch {
    return [];
  }
}

describe("reliable delivery to a relocated cluster consumer", () => {
  it(
    "processes every message exactly once and in order through three socket cuts and a relocation to another node",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "tsakt-delivery-relocation-"));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      const [portA, portB, portC] = (await freePorts(3)) as [number, number, number];
      const peers = [portA, portB, portC].map((port) => `127.0.0.1:${port}`).join(",");

      // Node A (this process) produces; B and C (child processes) may host the consumer "sink" (role "consumer").
      const a = await ActorSystem.start({
        name: "delivery-cluster",
        logger: silentLogger,
        plugins: [
          remoting({ host: "127.0.0.1", port: portA, types: [file_google_protobuf_wrappers] }),
          cluster({ discovery: new StaticDiscoveryProvider({ peers: peers.split(",") }) }),
          reliableDelivery(),
        ],
      });
      cleanups.push(() => a.stop());
      const b: TsChild = spawnTsChild(fixture, [String(portB), peers, dir, "200", "spawn"]);
      cleanups.push(() => b.kill());
      const c: TsChild = spawnTsChild(fixture, [String(portC), peers, dir, "200"]);
      cleanups.push(() => c.kill());
      await b.waitForLine(/^spawned$/, 30_000);
      expect(b.output()).toMatch(/^sink started$/m);
      expect(clusterOf(a).members().length).toBe(3);

      const producer = await reliableProducer(a, { destination: "sink", bufferSize: 2000, resendIntervalMs: 200 });
      const confirmed = () => producer.stats().confirmed;
      const started = performance.now();
      const mark = (what: string) => console.log(`${what} at ${Math.round(performance.now() - started)} ms, confirmed ${confirmed()}`);
      const reached = (fraction: number) =>
        eventually(`${fraction * 100}% confirmed`, () => confirmed() >= count * fraction, { timeoutMs: 60_000, intervalMs: 5 });
      const sending = (async () => {
        for (let n = 1; n <= count; n++) while (!producer.offer(create(UInt32ValueSchema, { value: n }))) await producer.ready();
      })();

      // Three cuts of B's connections while it hosts the consumer.
      for (const [i, fraction] of [0.1, 0.2, 0.3].entries()) {
        await reached(fraction);
        process.kill(b.pid, "SIGUSR2");
        await b.waitForLine(new RegExp(`^cut ${i + 1}$`));
        mark(`cut ${i + 1}`);
      }
      // B leaves the cluster: "sink" stops there (its progress stored) and the cluster re-creates it on C.
      await reached(0.5);
      const confirmedAtLeave = confirmed();
      await b.kill("SIGTERM");
      mark("B left");
      await c.waitForLine(/^sink started$/, 30_000);
      mark("sink started on C");

      await sending;
      await producer.flush();
      mark("all confirmed");
      expect(confirmed()).toBe(count);
      await c.kill("SIGTERM"); // a graceful stop writes the rest of C's history

      const onB = historyOf(dir, portB);
      const onC = historyOf(dir, portC);
      expect(onB.length).toBeGreaterThanOrEqual(confirmedAtLeave);
      expect(onC.length).toBeGreaterThan(0);
      checkHistory([...onB, ...onC], count);
      expect(producer.stats().hellos).toBeGreaterThan(1);
    },
    60_000 + count * 0.5,
  );
});
