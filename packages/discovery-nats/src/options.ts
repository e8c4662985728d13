import type { NatsConnection, NodeConnectionOptions } from "@nats-io/transport-node";
import { InvalidConfigError, validateDurationMs, validateNonEmptyString } from "@tsakt/discovery";

/** How nodes advertise themselves: answering requests, or entries in a JetStream KV bucket. */
export type NatsDiscoveryMode = "request" | "kv";

/** Options of NatsDiscoveryProvider; give either `servers` or `connection`. */
export interface NatsDiscoveryOptions {
  /** "request": nodes answer discovery requests; "kv": nodes keep expiring entries in a KV bucket (needs JetStream). Default: "request". */
  mode?: NatsDiscoveryMode;
  /** NATS server URLs ("nats://host:port" or "host:port") the provider connects to. Required unless `connection` is given. */
  servers?: string | string[];
  /** A connection you already have; the provider uses it and never closes it. Default: none (the provider connects to `servers`). */
  connection?: NatsConnection;
  /** The cluster the nodes belong to; providers only see nodes of the same cluster. Default: "tsakt". */
  clusterName?: string;
  /** The subject nodes answer discovery requests on. Default: "tsakt.discovery.<clusterName>". */
  subject?: string;
  /** Request mode: how long discoverPeers collects replies, in milliseconds; every node must answer within it to be listed. Default: 300. */
  timeoutMs?: number;
  /** KV mode: the bucket holding the entries. Default: "tsakt_discovery_<clusterName>". */
  bucket?: string;
  /** KV mode: how long an entry outlives its node's last refresh, in milliseconds; nodes refresh every third of it. Default: 10000. */
  ttlMs?: number;
  /** How long connecting to `servers` may take, in milliseconds. Default: 5000. */
  connectTimeoutMs?: number;
  /** Pause between reconnect attempts to the same server, in milliseconds; the provider never stops reconnecting. Default: 1000. */
  reconnectWaitMs?: number;
  /** Further nats.js connection options (credentials, TLS, name) for the provider's own connection. Default: none. */
  connectionOptions?: Omit<NodeConnectionOptions, "servers" | "port" | "timeout" | "reconnectTimeWait">;
}

/** NatsDiscoveryOptions with defaults applied, as the provider uses them. */
export interface ResolvedNatsOptions {
  mode: NatsDiscoveryMode;
  servers: string[] | undefined;
  connection: NatsConnection | undefined;
  subject: string;
  timeoutMs: number;
  /** Empty in request mode. */
  bucket: string;
  ttlMs: number;
  connectTimeoutMs: number;
  reconnectWaitMs: number;
  connectionOptions: NodeConnectionOptions;
}

/** Default collection window of discoverPeers, in milliseconds. */
export const defaultTimeoutMs = 300;
/** Default lifetime of a KV-mode entry after its last refresh, in milliseconds. */
export const defaultTtlMs = 10_000;
/** Default cluster name. */
export const defaultClusterName = "tsakt";

/** Checks the options and applies defaults; throws InvalidConfigError naming the first bad field. */
export function resolveNatsOptions(options: NatsDiscoveryOptions): ResolvedNatsOptions {
  if (typeof options !== "object" || options === null)
    throw new InvalidConfigError("options", "must be an object with servers or connection");
  const connection = options.connection === undefined ? undefined : validateConnection(options.connection);
  const servers = options.servers === undefined ? undefined : validateServers(options.servers);
  if (connection === undefined && servers === undefined)
    throw new InvalidConfigError("servers", "is required unless a connection is given");
  if (connection !== undefined && servers !== undefined)
    throw new InvalidConfigError("servers", "must not be set together with connection; the connection already knows its servers");

  const clusterName = options.clusterName === undefined ? defaultClusterName : validateToken(options.clusterName, "clusterName");
  const subject = options.subject === undefined ? `tsakt.discovery.${clusterName}` : validateSubject(options.subject, "subject");
  const connectionOptions = options.connectionOptions ?? {};
  if (typeof connectionOptions !== "object" || connectionOptions === null || Array.isArray(connectionOptions)) {
    throw new InvalidConfigError("connectionOptions", "must be an object of nats.js connection options");
  }
  const mode = validateMode(options.mode);
  let bucket = options.bucket === undefined ? "" : validateBucket(options.bucket, "bucket");
  // Only KV mode turns the cluster name into a bucket name, so only then must it fit the bucket alphabet.
  if (bucket === "" && mode === "kv") bucket = validateBucket(`tsakt_discovery_${clusterName}`, "clusterName");
  return {
    mode,
    servers,
    connection,
    subject,
    timeoutMs: validateDurationMs(options.timeoutMs, "timeoutMs", defaultTimeoutMs),
    bucket,
    ttlMs: validateDurationMs(options.ttlMs, "ttlMs", defaultTtlMs),
    connectTimeoutMs: validateDurationMs(options.connectTimeoutMs, "connectTimeoutMs", 5000),
    reconnectWaitMs: validateDurationMs(options.reconnectWaitMs, "reconnectWaitMs", 1000),
    connectionOptions: { ...connectionOptions },
  };
}

function validateMode(value: unknown): NatsDiscoveryMode {
  if (value === undefined) return "request";
  if (value === "request" || value === "kv") return value;
  throw new InvalidConfigError("mode", `must be "request" or "kv", got ${JSON.stringify(value)}`);
}

// JetStream stream names (a KV bucket is one) allow only letters, digits, "_" and "-".
function validateBucket(value: unknown, field: string): string {
  const bucket = validateNonEmptyString(value, field);
  if (!/^[-\w]+$/.test(bucket)) {
    throw new InvalidConfigError(field, `must yield a KV bucket name of letters, digits, "_" and "-" only, got ${JSON.stringify(bucket)}`);
  }
  return bucket;
}

function validateConnection(value: unknown): NatsConnection {
  const candidate = value as Partial<NatsConnection> | null;
  if (
    typeof candidate !== "object" ||
    candidate === null ||
    typeof candidate.subscribe !== "function" ||
    typeof candidate.requestMany !== "function"
  ) {
    throw new InvalidConfigError("connection", "must be a NatsConnection from @nats-io/transport-node's connect()");
  }
  return value as NatsConnection;
}

function validateServers(value: unknown): string[] {
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || list.length === 0)
    throw new InvalidConfigError("servers", "must be a server URL or a non-empty array of them");
  return list.map((server: unknown) => {
    const text = validateNonEmptyString(server, "servers");
    if (/\s/.test(text)) throw new InvalidConfigError("servers", `must not contain whitespace, got ${JSON.stringify(text)}`);
    return text;
  });
}

// Publishing to a subject with wildcards or empty tokens is refused by the server, so catch it here with a clear field.
function validateSubject(value: unknown, field: string): string {
  const subject = validateNonEmptyString(value, field);
  const tokens = subject.split(".");
  if (tokens.some((token) => !/^[^\s*>]+$/.test(token))) {
    throw new InvalidConfigError(field, `must be a NATS subject without wildcards, spaces or empty tokens, got ${JSON.stringify(subject)}`);
  }
  return subject;
}

function validateToken(value: unknown, field: string): string {
  const token = validateNonEmptyString(value, field);
  if (!/^[^\s.*>]+$/.test(token))
    throw new InvalidConfigError(field, `must not contain spaces, dots or wildcards, got ${JSON.stringify(token)}`);
  return token;
}
