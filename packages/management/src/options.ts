import type { DescFile, DescMessage, Registry } from "@bufbuild/protobuf";
import { InvalidOptionError } from "@tsakt/actor";

/** A Prometheus exporter of @opentelemetry/exporter-prometheus (or anything with its request handler). */
export interface PrometheusExporterLike {
  /** Answers a scrape with the text exposition format. */
  getMetricsRequestHandler(request: unknown, response: unknown): void;
}

/** Options of management(); every duration is in milliseconds. */
export interface ManagementOptions {
  /** Port the HTTP endpoint listens on; 0 picks a free one. Default: 8558. */
  port?: number;
  /** Interface to listen on. Default: "127.0.0.1" (loopback only). */
  host?: string;
  /** Bearer token every request must carry ("Authorization: Bearer …", or ?access_token= for the dashboard). Required when `host` is not a loopback address. Default: none. */
  token?: string;
  /** Refuse operations that change the cluster (leave, down) with 403. Default: false. */
  readOnly?: boolean;
  /** Serve the live dashboard at /dashboard/. Default: true. */
  dashboard?: boolean;
  /** How often the node's numbers are sampled for the charts and the live stream. Default: 1000. */
  sampleIntervalMs?: number;
  /** Samples kept per node (the charts' window is sampleIntervalMs × historySize). Default: 300. */
  historySize?: number;
  /** Cluster events kept for /cluster/events and the dashboard's log. Default: 500. */
  eventLogSize?: number;
  /**
   * Prometheus text metrics at /metrics through the OpenTelemetry Prometheus exporter: true makes an exporter and a
   * meter provider for the node's numbers (needs @opentelemetry/exporter-prometheus and @opentelemetry/sdk-metrics),
   * or pass your own exporter to serve its metrics. Default: false.
   */
  prometheus?: boolean | { exporter: PrometheusExporterLike };
  /** Protobuf types POST /actors/ask can decode on a node without remoting (with remoting, its types are used). Default: none. */
  types?: Array<DescMessage | DescFile | Registry>;
}

/** The options with defaults applied. */
export interface ManagementSettings {
  port: number;
  host: string;
  token: string | undefined;
  readOnly: boolean;
  dashboard: boolean;
  sampleIntervalMs: number;
  historySize: number;
  eventLogSize: number;
  prometheus: false | true | { exporter: PrometheusExporterLike };
  types: Array<DescMessage | DescFile | Registry>;
}

const known = new Set([
  "port",
  "host",
  "token",
  "readOnly",
  "dashboard",
  "sampleIntervalMs",
  "historySize",
  "eventLogSize",
  "prometheus",
  "types",
]);

/** True for 127.0.0.0/8, ::1 and "localhost". */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function whole(o: Record<string, unknown>, field: string, fallback: number, min: number, max: number): number {
  const v = o[field];
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max)
    throw new InvalidOptionError(field, `must be a whole number from ${min} to ${max}, got ${String(v)}`);
  return v;
}

/** Checks management() options and applies defaults; InvalidOptionError names the field at fault. */
export function resolveManagementOptions(options: unknown): ManagementSettings {
  if (typeof options !== "object" || options === null) throw new InvalidOptionError("options", "must be an object like { port: 8558 }");
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o))
    if (!known.has(key)) throw new InvalidOptionError(key, `is not a management option (known: ${[...known].join(", ")})`);
  const host = o.host ?? "127.0.0.1";
  if (typeof host !== "string" || host.length === 0 || /\s/.test(host))
    throw new InvalidOptionError("host", "must be a host name or IP address");
  const token = o.token;
  if (token !== undefined && (typeof token !== "string" || token.length < 16))
    throw new InvalidOptionError("token", "must be a string of at least 16 characters (for example from `openssl rand -hex 24`)");
  if (token === undefined && !isLoopback(host))
    throw new InvalidOptionError(
      "token",
      `is required when the endpoint listens on ${host}, which is not a loopback address: anyone who reaches it could down members`,
    );
  for (const flag of ["readOnly", "dashboard"])
    if (o[flag] !== undefined && typeof o[flag] !== "boolean") throw new InvalidOptionError(flag, "must be a boolean");
  const prometheus = o.prometheus ?? false;
  if (
    typeof prometheus !== "boolean" &&
    typeof (prometheus as { exporter?: Partial<PrometheusExporterLike> } | null)?.exporter?.getMetricsRequestHandler !== "function"
  )
    throw new InvalidOptionError("prometheus", "must be true, false, or { exporter } with a PrometheusExporter (preventServerStart: true)");
  const types = o.types ?? [];
  if (!Array.isArray(types) || !types.every((t) => typeof t === "object" && t !== null))
    throw new InvalidOptionError("types", "must be an array of protobuf-es message schemas, file descriptors or registries");
  return {
    port: whole(o, "port", 8558, 0, 65535),
    host,
    token: token as string | undefined,
    readOnly: o.readOnly === true,
    dashboard: o.dashboard !== false,
    sampleIntervalMs: whole(o, "sampleIntervalMs", 1000, 10, 3_600_000),
    historySize: whole(o, "historySize", 300, 2, 100_000),
    eventLogSize: whole(o, "eventLogSize", 500, 1, 100_000),
    prometheus: prometheus as ManagementSettings["prometheus"],
    types: types as ManagementSettings["types"],
  };
}
