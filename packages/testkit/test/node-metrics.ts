import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";

/** One node's metrics: an SDK MeterProvider with an in-memory exporter, read on demand. */
export class NodeMetrics {
  readonly exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  readonly reader = new PeriodicExportingMetricReader({ exporter: this.exporter, exportIntervalMillis: 3_600_000 });
  readonly provider = new MeterProvider({ readers: [this.reader] });

  /** Every data point as "name{attr=value,…}" → value (a histogram's value is its count). */
  async collect(): Promise<Map<string, number>> {
    this.exporter.reset();
    await this.reader.forceFlush();
    const points = new Map<string, number>();
    for (const rm of this.exporter.getMetrics())
      for (const scope of rm.scopeMetrics)
        for (const metric of scope.metrics)
          for (const point of metric.dataPoints) {
            const attrs = Object.entries(point.attributes)
              .filter(([k]) => k !== "tsakt.system")
              .map(([k, v]) => `${k}=${String(v)}`)
              .join(",");
            const value = point.value as number | { count: number };
            points.set(`${metric.descriptor.name}{${attrs}}`, typeof value === "number" ? value : value.count);
          }
    return points;
  }

  /** The unit each instrument declares, by name. */
  async units(): Promise<Map<string, string>> {
    this.exporter.reset();
    await this.reader.forceFlush();
    const units = new Map<string, string>();
    for (const rm of this.exporter.getMetrics())
      for (const scope of rm.scopeMetrics) for (const metric of scope.metrics) units.set(metric.descriptor.name, metric.descriptor.unit);
    return units;
  }
}
