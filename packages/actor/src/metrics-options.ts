// The public metrics types: no import of @opentelemetry/api, which only users of metrics install.

/**
 * Metrics through @opentelemetry/api (an optional peer dependency): `true` uses the global meter provider, or pass a
 * meter. Plugins (remoting, cluster, grains, pub/sub) report through the same meter. Default: off.
 */
export type MetricsOptions = boolean | { meter: MeterLike };

/**
 * An OpenTelemetry `Meter`, as far as the public types need to say (so they do not name @opentelemetry/api, which
 * only users of metrics install): any `Meter` from `metrics.getMeter(...)` fits.
 */
export interface MeterLike {
  createHistogram(name: string, options?: object): unknown;
  createObservableGauge(name: string, options?: object): unknown;
}

/** Records per-message processing time in ms (reported in seconds); present only when metrics are on. */
export type DurationRecorder = (ms: number) => void;
