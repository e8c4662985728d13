import type { Attributes, Histogram, Meter } from "@opentelemetry/api";
import { InvalidOptionError, MetricsUnavailableError } from "./errors.js";
import type { DurationRecorder, MetricsOptions } from "./metrics-options.js";

/** The numbers the system exposes for observation. */
export interface MetricsSource {
  readonly name: string;
  readonly actorCount: number;
  readonly deadLetterCount: number;
  readonly restartCount: number;
  readonly processedCount: number;
  queuedMessages(): number;
}

/** Instrumentation scope of the meter `metrics: true` takes from the global provider. */
export const meterName = "@tsakt/actor";

/** Throws InvalidOptionError when `options` is not a valid metrics option. */
export function validateMetricsOptions(options: unknown): asserts options is MetricsOptions {
  if (typeof options === "boolean") return;
  if (typeof options !== "object" || options === null || typeof (options as { meter?: Meter }).meter?.createHistogram !== "function")
    throw new InvalidOptionError("metrics", "must be true, false, or { meter } with an OpenTelemetry Meter");
}

/** The meter the options ask for; loads @opentelemetry/api only for `true` (MetricsUnavailableError when missing). */
export async function resolveMeter(options: MetricsOptions | undefined): Promise<Meter | undefined> {
  if (options === undefined || options === false) return undefined;
  if (options !== true) return options.meter as Meter;
  try {
    const api = await import("@opentelemetry/api");
    return api.metrics.getMeter(meterName);
  } catch (error) {
    throw new MetricsUnavailableError(error);
  }
}

/**
 * Creates the system's observable instruments (read at collection time, no cost per message): live actors, messages
 * processed, mailbox depth, restarts and dead letters, each with the `tsakt.system` attribute.
 */
export function observeSystem(meter: Meter, source: MetricsSource): void {
  const attributes: Attributes = { "tsakt.system": source.name };
  meter
    .createObservableUpDownCounter("tsakt.actors.live", { description: "Live actors", unit: "{actor}" })
    .addCallback((r) => r.observe(source.actorCount, attributes));
  meter
    .createObservableCounter("tsakt.messages.processed", { description: "Messages processed by actors", unit: "{message}" })
    .addCallback((r) => r.observe(source.processedCount, attributes));
  meter
    .createObservableGauge("tsakt.mailbox.depth", { description: "Messages queued in all mailboxes", unit: "{message}" })
    .addCallback((r) => r.observe(source.queuedMessages(), attributes));
  meter
    .createObservableCounter("tsakt.actor.restarts", { description: "Actor restarts by supervisors", unit: "{restart}" })
    .addCallback((r) => r.observe(source.restartCount, attributes));
  meter
    .createObservableCounter("tsakt.deadletters", { description: "Undeliverable messages", unit: "{message}" })
    .addCallback((r) => r.observe(source.deadLetterCount, attributes));
}

/** The observable instruments plus the per-message processing-time histogram `tsakt.message.duration`, in seconds. */
export function installMetrics(source: MetricsSource, meter: Meter): DurationRecorder {
  observeSystem(meter, source);
  const attributes: Attributes = { "tsakt.system": source.name };
  const histogram: Histogram = meter.createHistogram("tsakt.message.duration", {
    description: "Time to process one message",
    unit: "s",
    advice: { explicitBucketBoundaries: [...durationBuckets] },
  });
  return (ms) => histogram.record(ms / 1000, attributes);
}

/** Bucket bounds in seconds for the durations TsAkt records: 10 µs to 10 s. */
export const durationBuckets: readonly number[] = [
  0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
