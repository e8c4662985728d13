import { type Histogram, type Meter, metrics } from "@opentelemetry/api";
import { InvalidOptionError } from "./errors.js";

/** Metrics through @opentelemetry/api: `true` uses the global meter provider, or pass a meter. Default: off. */
export type MetricsOptions = boolean | { meter: Meter };

/** The numbers the system exposes for observation. */
export interface MetricsSource {
  readonly name: string;
  readonly actorCount: number;
  readonly deadLetterCount: number;
  readonly restartCount: number;
  readonly processedCount: number;
  queuedMessages(): number;
}

/** Records per-message processing time; present only when metrics are on. */
export type DurationRecorder = (ms: number) => void;

/** Throws InvalidOptionError when `options` is not a valid metrics option. */
export function validateMetricsOptions(options: unknown): asserts options is MetricsOptions {
  if (typeof options === "boolean") return;
  if (typeof options !== "object" || options === null || typeof (options as { meter?: Meter }).meter?.createHistogram !== "function")
    throw new InvalidOptionError("metrics", "must be true, false, or { meter } with an OpenTelemetry Meter");
}

/**
 * Creates the instruments: live actors, messages processed, mailbox depth, restarts and dead letters are observed
 * at collection time (no cost per message); processing time is a histogram recorded per message.
 */
export function installMetrics(source: MetricsSource, options: Exclude<MetricsOptions, false>): DurationRecorder {
  const meter = options === true ? metrics.getMeter("@tsakt/actor") : options.meter;
  const attributes = { "tsakt.system": source.name };
  meter
    .createObservableUpDownCounter("tsakt.actors.live", { description: "Live actors" })
    .addCallback((r) => r.observe(source.actorCount, attributes));
  meter
    .createObservableCounter("tsakt.messages.processed", { description: "Messages processed by actors" })
    .addCallback((r) => r.observe(source.processedCount, attributes));
  meter
    .createObservableGauge("tsakt.mailbox.depth", { description: "Messages queued in all mailboxes" })
    .addCallback((r) => r.observe(source.queuedMessages(), attributes));
  meter
    .createObservableCounter("tsakt.actor.restarts", { description: "Actor restarts by supervisors" })
    .addCallback((r) => r.observe(source.restartCount, attributes));
  meter
    .createObservableCounter("tsakt.deadletters", { description: "Undeliverable messages" })
    .addCallback((r) => r.observe(source.deadLetterCount, attributes));
  const histogram: Histogram = meter.createHistogram("tsakt.message.duration", { description: "Time to process one message", unit: "ms" });
  return (ms) => histogram.record(ms, attributes);
}
