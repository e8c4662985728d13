import { metrics } from "@opentelemetry/api";
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { actorSnapshot } from "@tsakt/actor/internal";
import { eventually } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { startSystem } from "./helpers.js";

async function collect(reader: PeriodicExportingMetricReader, exporter: InMemoryMetricExporter) {
  exporter.reset();
  await reader.forceFlush();
  const values = new Map<string, unknown>();
  for (const rm of exporter.getMetrics())
    for (const scope of rm.scopeMetrics)
      for (const metric of scope.metrics) values.set(metric.descriptor.name, metric.dataPoints[0]?.value);
  return values;
}

describe("OpenTelemetry metrics", () => {
  it("reports live actors, messages, mailbox depth, restarts, dead letters and processing time matching the work done", async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const provider = new MeterProvider({ readers: [reader] });
    const system = await startSystem({ metrics: { meter: provider.getMeter("test") } });

    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const worker = await system.spawnFunc("worker", async (ctx) => {
      if (ctx.message === "boom") throw new Error("boom");
      if (ctx.message === "block") await gate;
      if (ctx.message === "ping") ctx.respond("pong");
    });
    await system.spawnFunc("idle", () => {});
    const processedBefore = system.processedCount;
    for (let i = 0; i < 10; i++) await worker.ask("ping");
    worker.tell("boom");
    await worker.ask("ping");
    worker.tell("block");
    for (let i = 0; i < 5; i++) worker.tell(i);
    await eventually("the worker to block with 5 queued", () => actorSnapshot(system, "/user/worker")?.mailbox === 5);
    const stopped = await system.spawnFunc("gone", () => {});
    await system.stopActor(stopped);
    stopped.tell("late");

    const values = await collect(reader, exporter);
    expect(values.get("tsakt.actors.live")).toBe(2);
    expect(values.get("tsakt.mailbox.depth")).toBe(5);
    expect(values.get("tsakt.actor.restarts")).toBe(1);
    expect(values.get("tsakt.deadletters")).toBe(1);
    // 11 pings + boom + block + the PostStart of the restarted instance (and of the late actor), at least.
    expect(values.get("tsakt.messages.processed") as number).toBeGreaterThanOrEqual(processedBefore + 14);
    const histogram = values.get("tsakt.message.duration") as { count: number; sum: number };
    expect(histogram.count).toBeGreaterThanOrEqual(12);
    expect(histogram.sum).toBeGreaterThanOrEqual(0);

    release();
    await worker.ask("ping");
    const after = await collect(reader, exporter);
    expect(after.get("tsakt.mailbox.depth")).toBe(0);
    // The blocked async turn is timed until it settled, so it adds at least 10 ms (0.01 s) to the histogram.
    expect((after.get("tsakt.message.duration") as { sum: number }).sum).toBeGreaterThanOrEqual(0.009);
    await provider.shutdown();
  });

  it("with metrics: true reports through the global meter provider, with semantic-convention units", async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const provider = new MeterProvider({ readers: [reader] });
    metrics.setGlobalMeterProvider(provider);
    try {
      const system = await startSystem({ metrics: true });
      const worker = await system.spawnFunc("worker", (ctx) => ctx.respond("pong"));
      await worker.ask("ping");
      exporter.reset();
      await reader.forceFlush();
      const units = new Map<string, string>();
      for (const rm of exporter.getMetrics())
        for (const scope of rm.scopeMetrics) for (const metric of scope.metrics) units.set(metric.descriptor.name, metric.descriptor.unit);
      expect(Object.fromEntries(units)).toEqual({
        "tsakt.actors.live": "{actor}",
        "tsakt.messages.processed": "{message}",
        "tsakt.mailbox.depth": "{message}",
        "tsakt.actor.restarts": "{restart}",
        "tsakt.deadletters": "{message}",
        "tsakt.message.duration": "s",
      });
    } finally {
      metrics.disable();
      await provider.shutdown();
    }
  });

  it("records nothing per message when metrics are off", async () => {
    const system = await startSystem();
    expect(system.recordDuration).toBeUndefined();
  });
});
