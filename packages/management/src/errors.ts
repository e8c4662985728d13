import { TsaktError } from "@tsakt/actor";

/** The management endpoint could not listen on its host and port. */
export class ManagementListenError extends TsaktError {
  constructor(host: string, port: number, cause: unknown) {
    super(
      "ManagementListenFailed",
      `the management endpoint could not listen on ${host}:${port} (${cause instanceof Error ? cause.message : String(cause)}); ` +
        "choose another port, or 0 for a free one",
      { cause },
    );
  }
}

/** Prometheus metrics were asked for but the OpenTelemetry packages they need are not installed. */
export class PrometheusUnavailableError extends TsaktError {
  constructor(cause: unknown) {
    super(
      "PrometheusUnavailable",
      "management({ prometheus: true }) needs @opentelemetry/exporter-prometheus and @opentelemetry/sdk-metrics; install both, or pass { exporter }",
      { cause },
    );
  }
}
