import type { IncomingMessage, ServerResponse } from "node:http";
import type { MeterProvider } from "@opentelemetry/sdk-metrics";
import type { ActorSystem } from "@tsakt/actor";
import { observeSystem } from "@tsakt/actor/internal";
import { PrometheusUnavailableError } from "./errors.js";
import { grainStats } from "./node-view.js";
import type { PrometheusExporterLike } from "./options.js";

/** An OpenTelemetry meter of the management's own provider. */
export type ManagementMeter = ReturnType<MeterProvider["getMeter"]>;

/** The /metrics endpoint: answers scrapes, and shuts its provider down with the endpoint. */
export interface MetricsEndpoint {
  handle(request: IncomingMessage, response: ServerResponse): void;
  shutdown(): Promise<void>;
}

/**
 * Prometheus metrics through @opentelemetry/exporter-prometheus (loaded only when asked for: it is an optional peer).
 * With `true`, a PrometheusExporter without its own server feeds a MeterProvider of the node's numbers, observed at
 * scrape time (nothing is counted per message); `instrument` lets the cluster add its own. With `{ exporter }`, the
 * user's exporter is served as is.
 */
export async function startPrometheus(
  option: true | { exporter: PrometheusExporterLike },
  system: ActorSystem,
  instrument: Array<(meter: ManagementMeter) => void>,
): Promise<MetricsEndpoint> {
  if (option !== true) {
    const exporter = option.exporter;
    return { handle: (request, response) => exporter.getMetricsRequestHandler(request, response), shutdown: async () => {} };
  }
  let exporterModule: typeof import("@opentelemetry/exporter-prometheus");
  let sdk: typeof import("@opentelemetry/sdk-metrics");
  try {
    exporterModule = await import("@opentelemetry/exporter-prometheus");
    sdk = await import("@opentelemetry/sdk-metrics");
  } catch (error) {
    throw new PrometheusUnavailableError(error);
  }
  const exporter = new exporterModule.PrometheusExporter({ preventServerStart: true });
  const provider = new sdk.MeterProvider({ readers: [exporter] });
  const meter = provider.getMeter("@tsakt/management");
  const attributes = { "tsakt.system": system.name };
  observeSystem(meter, system);
  meter.createObservableGauge("tsakt.grains.active", { description: "Active grains per kind", unit: "{grain}" }).addCallback((r) => {
    for (const k of grainStats(system).kinds) r.observe(k.active, { ...attributes, "tsakt.grain.kind": k.kind });
  });
  for (const add of instrument) add(meter);
  return {
    handle: (request, response) => exporter.getMetricsRequestHandler(request, response),
    shutdown: () => provider.shutdown(),
  };
}
