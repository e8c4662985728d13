import type { NatsConnection } from "@nats-io/transport-node";
import { InvalidOptionError } from "@tsakt/actor";

/** Options of NatsControlPlane. */
export interface NatsControlPlaneOptions {
  /** nats-server URLs to dial, for example "nats://127.0.0.1:4222". Default: "nats://127.0.0.1:4222" (unless `connection`). */
  servers?: string | string[];
  /** A connection you already have; the control plane uses it and never closes it. Default: none (it dials `servers`). */
  connection?: NatsConnection;
  /** JetStream KV bucket holding the records (created when missing). Default: "tsakt-datacenters". */
  bucket?: string;
  /** The bucket's max age: a record not rewritten within it is deleted. Default: 60000. */
  ttlMs?: number;
  /** One round trip to the server (a flush, a KV call). Default: 2000. */
  requestTimeoutMs?: number;
  /** Pause between reconnect attempts after the server went away. Default: 250. */
  reconnectWaitMs?: number;
}

/** Options with defaults applied. */
export interface ResolvedNatsOptions {
  readonly servers: string | string[] | undefined;
  readonly connection: NatsConnection | undefined;
  readonly bucket: string;
  readonly ttlMs: number;
  readonly requestTimeoutMs: number;
  readonly reconnectWaitMs: number;
}

/** Checks the options (InvalidOptionError names the field) and applies the defaults. */
export function resolveNatsOptions(options: NatsControlPlaneOptions): ResolvedNatsOptions {
  if (typeof options !== "object" || options === null) throw new InvalidOptionError("options", "must be an object");
  const { servers, connection, bucket = "tsakt-datacenters" } = options;
  if (servers !== undefined && !(typeof servers === "string" || (Array.isArray(servers) && servers.every((s) => typeof s === "string"))))
    throw new InvalidOptionError("servers", 'must be a URL or an array of URLs, for example "nats://127.0.0.1:4222"');
  if (connection !== undefined && typeof (connection as Partial<NatsConnection>).flush !== "function")
    throw new InvalidOptionError("connection", "must be a NatsConnection from @nats-io/transport-node");
  if (typeof bucket !== "string" || !/^[A-Za-z0-9_-]+$/.test(bucket))
    throw new InvalidOptionError("bucket", "must be a KV bucket name: letters, digits, _ or -");
  return {
    servers,
    connection,
    bucket,
    ttlMs: positive(options.ttlMs, "ttlMs", 60_000),
    requestTimeoutMs: positive(options.requestTimeoutMs, "requestTimeoutMs", 2000),
    reconnectWaitMs: positive(options.reconnectWaitMs, "reconnectWaitMs", 250),
  };
}

function positive(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0)
    throw new InvalidOptionError(field, "must be a positive number of milliseconds");
  return value;
}
