import type { DescFile, DescMessage, Registry } from "@bufbuild/protobuf";
import { InvalidOptionError, type Kind, type KindDefinition } from "@tsakt/actor";
import { resolveKinds } from "@tsakt/actor/internal";
import { CompressionUnavailableError } from "../errors.js";
import { Role } from "../gen/tsakt/remote/v1/system_pb.js";
import type { AuthKeys } from "../transport/auth.js";
import type { AuthOptions, Compression, ReconnectOptions, TlsOptions, TransportSettings } from "../transport/settings.js";
import { zstdAvailable } from "../transport/zstd.js";
import type { Serializer } from "../wire/serializer.js";
import type { ContextPropagator } from "./propagation.js";
import { type RemoteTracingOptions, validateTracing } from "./tracing.js";

/** Options of remoting(). */
export interface RemotingOptions {
  /** Interface to listen on. Default: "127.0.0.1". */
  host?: string;
  /** Port to listen on; 0 picks a free one. Default: 0. */
  port?: number;
  /** Host other nodes reach this node at, part of its address. Default: `host` (required when host is a wildcard). */
  advertiseHost?: string;
  /** Makes every connection TLS (mutual TLS with `mutual: true`); certificates must name their node (see SECURITY.md). Default: plain TCP. */
  tls?: TlsOptions;
  /** Shared secrets: every connection proves one in an HMAC challenge-response handshake. Default: none (identities are not authenticated unless mutual TLS). */
  auth?: AuthOptions;
  /** What this node is: a cluster "member", or a "client" that may call user actors but not send cluster traffic. Default: "member". */
  role?: "member" | "client";
  /** Most connections accepted from one remote IP address (open or in their handshake); more are closed at once. Default: 64. */
  maxConnectionsPerAddress?: number;
  /** Most handshakes one remote IP address may start per second (and in a burst); more connections are closed at once. Default: 50. */
  maxHandshakesPerSecond?: number;
  /** Most accepted connections in their handshake at once, from all addresses; more are closed at once. Default: 256. */
  maxPendingHandshakes?: number;
  /** Compression this node asks for on connections it dials, preferred first; peers settle per connection. Default: "none". */
  compression?: Compression | Compression[];
  /** Protobuf schemas (messages, files or registries) of your messages that cross processes. Default: none (TsAkt's own and every plugin's messages are always known). */
  types?: Array<DescMessage | DescFile | Registry>;
  /** Also send plain objects, arrays, strings, numbers and booleans, as JSON. Default: false. */
  json?: boolean;
  /** Custom serializers, tried before protobuf and JSON. Default: none. */
  serializers?: Serializer[];
  /** Carries headers (tracing, auth) from sender to receiving actor. Default: none. */
  propagator?: ContextPropagator;
  /** Spans per hop through OpenTelemetry: `{ api: await import("@opentelemetry/api") }`; see the README. Default: off. */
  tracing?: RemoteTracingOptions;
  /** Actor kinds other nodes may spawn here by name: a factory, or { factory, options } whose spawn options every such actor gets. Default: none. */
  kinds?: Record<string, KindDefinition>;
  /** Largest frame accepted (and sent); a bigger one closes its connection. Default: 16777216 (16 MiB). */
  maxFrameBytes?: number;
  /** Bytes queued per peer before tell returns false and ask rejects with OutboundQueueFullError. Default: 67108864 (64 MiB). */
  maxOutboundBytes?: number;
  /** How long a dial may take until the connection is ready (TCP, TLS and handshake). Default: 5000. */
  connectTimeoutMs?: number;
  /** How long an accepted connection may take to send its handshake. Default: 5000. */
  handshakeTimeoutMs?: number;
  /** A connection that sent nothing for this long sends a heartbeat. Default: 1000. */
  heartbeatIntervalMs?: number;
  /** A connection that received nothing for this long is closed as dead. Default: 10000. */
  idleTimeoutMs?: number;
  /** Redial policy. Default: { initialDelayMs: 100, maxDelayMs: 5000, giveUpAfterMs: 30000 }. */
  reconnect?: ReconnectOptions;
  /** Timeout of remote lookup, spawn and stop. Default: the system's askTimeoutMs. */
  requestTimeoutMs?: number;
  /** After traffic, keep polling sockets this many microseconds instead of sleeping: lower ask latency for CPU. Default: 0 (off). */
  busyPollMicros?: number;
  /** Send the stack of an error a handler threw with the AskFailed reply (debugging; it shows code paths to the asker). Default: false. */
  errorStacks?: boolean;
}

/** Options with defaults applied. */
export interface ResolvedOptions extends TransportSettings {
  host: string;
  role: Role;
  auth: AuthKeys | undefined;
  maxConnectionsPerAddress: number;
  maxHandshakesPerSecond: number;
  maxPendingHandshakes: number;
  port: number;
  advertiseHost: string;
  tls: TlsOptions | undefined;
  compression: Compression[];
  types: Array<DescMessage | DescFile | Registry>;
  json: boolean;
  serializers: Serializer[];
  propagator: ContextPropagator | undefined;
  tracing: RemoteTracingOptions | undefined;
  kinds: Map<string, Kind>;
  maxFrameBytes: number;
  maxOutboundBytes: number;
  connectTimeoutMs: number;
  handshakeTimeoutMs: number;
  heartbeatIntervalMs: number;
  idleTimeoutMs: number;
  reconnect: Required<ReconnectOptions>;
  requestTimeoutMs: number | undefined;
  busyPollMicros: number;
  errorStacks: boolean;
}

const known = new Set([
  "host",
  "port",
  "advertiseHost",
  "tls",
  "auth",
  "role",
  "maxConnectionsPerAddress",
  "maxHandshakesPerSecond",
  "maxPendingHandshakes",
  "compression",
  "types",
  "json",
  "serializers",
  "propagator",
  "tracing",
  "kinds",
  "maxFrameBytes",
  "maxOutboundBytes",
  "connectTimeoutMs",
  "handshakeTimeoutMs",
  "heartbeatIntervalMs",
  "idleTimeoutMs",
  "reconnect",
  "requestTimeoutMs",
  "busyPollMicros",
  "errorStacks",
]);

const compressions: readonly Compression[] = ["none", "gzip", "brotli", "zstd"];

function positiveInt(o: Record<string, unknown>, field: string, fallback: number, max = Number.MAX_SAFE_INTEGER, prefix = ""): number {
  const v = o[field];
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0 || v > max)
    throw new InvalidOptionError(prefix + field, `must be a whole number from 1 to ${max}, got ${String(v)}`);
  return v;
}

function booleanOf(o: Record<string, unknown>, field: string): boolean {
  const v = o[field];
  if (v !== undefined && typeof v !== "boolean") throw new InvalidOptionError(field, `must be true or false, got ${String(v)}`);
  return v === true;
}

/** Smallest secret accepted, in bytes. */
const minSecretBytes = 16;

function secretOf(value: unknown, field: string): Buffer | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" && !Buffer.isBuffer(value))
    throw new InvalidOptionError(field, "must be a string or Buffer (for example 32 random bytes: `openssl rand -hex 32`)");
  const bytes = Buffer.from(value);
  if (bytes.length < minSecretBytes)
    throw new InvalidOptionError(
      field,
      `must be at least ${minSecretBytes} bytes, got ${bytes.length} (use 32 random bytes: \`openssl rand -hex 32\`)`,
    );
  return bytes;
}

/** Checks `auth` for a node of `role`; undefined without auth. */
function resolveAuth(value: unknown, role: Role): AuthKeys | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null) throw new InvalidOptionError("auth", "must be an object { secret?, clientSecret? }");
  const a = value as Record<string, unknown>;
  for (const key of Object.keys(a))
    if (key !== "secret" && key !== "clientSecret")
      throw new InvalidOptionError(`auth.${key}`, "is not an auth option (known: secret, clientSecret)");
  const member = secretOf(a.secret, "auth.secret");
  const client = secretOf(a.clientSecret, "auth.clientSecret");
  if (role === Role.CLIENT) {
    if (member !== undefined)
      throw new InvalidOptionError("auth.secret", "a client proves auth.clientSecret; keep the members' secret on members only");
    if (client === undefined) throw new InvalidOptionError("auth.clientSecret", 'is required on a client (role: "client") with auth');
  } else if (member === undefined)
    throw new InvalidOptionError("auth.secret", "is required on a member with auth (the members' shared secret)");
  if (member !== undefined && client !== undefined && member.equals(client))
    throw new InvalidOptionError("auth.clientSecret", "must differ from auth.secret, or any client could pose as a member");
  return { member, client };
}

function pem(value: unknown): boolean {
  return typeof value === "string" || Buffer.isBuffer(value);
}

/** Checks remoting options and fills in defaults; throws InvalidOptionError naming the field at fault. */
export function resolveOptions(options: unknown): ResolvedOptions {
  if (typeof options !== "object" || options === null) throw new InvalidOptionError("options", "must be an object like { host, port }");
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o))
    if (!known.has(key)) throw new InvalidOptionError(key, `is not a remoting option (known: ${[...known].join(", ")})`);
  const host = o.host ?? "127.0.0.1";
  if (typeof host !== "string" || host.length === 0) throw new InvalidOptionError("host", "must be a non-empty host name or IP");
  const port = o.port ?? 0;
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidOptionError("port", `must be a whole number from 0 to 65535, got ${String(port)}`);
  const wildcard = host === "0.0.0.0" || host === "::";
  const advertiseHost = o.advertiseHost ?? (wildcard ? undefined : host);
  if (typeof advertiseHost !== "string" || advertiseHost.length === 0 || advertiseHost === "0.0.0.0" || advertiseHost === "::")
    throw new InvalidOptionError("advertiseHost", "must be the host other nodes reach this node at (required when host is a wildcard)");
  let tls: TlsOptions | undefined;
  if (o.tls !== undefined) {
    const t = o.tls as Record<string, unknown>;
    if (typeof t !== "object" || t === null) throw new InvalidOptionError("tls", "must be an object { cert, key, ca?, mutual? }");
    if (!pem(t.cert)) throw new InvalidOptionError("tls.cert", "must be a PEM certificate (string or Buffer)");
    if (!pem(t.key)) throw new InvalidOptionError("tls.key", "must be a PEM private key (string or Buffer)");
    if (t.ca !== undefined && !pem(t.ca) && !(Array.isArray(t.ca) && t.ca.every(pem)))
      throw new InvalidOptionError("tls.ca", "must be PEM certificates (a string, Buffer or an array of them)");
    for (const flag of ["mutual", "rejectUnauthorized"])
      if (t[flag] !== undefined && typeof t[flag] !== "boolean") throw new InvalidOptionError(`tls.${flag}`, "must be a boolean");
    if (t.serverName !== undefined && typeof t.serverName !== "string") throw new InvalidOptionError("tls.serverName", "must be a string");
    if (t.passphrase !== undefined && typeof t.passphrase !== "string") throw new InvalidOptionError("tls.passphrase", "must be a string");
    tls = t as unknown as TlsOptions;
  }
  if (o.role !== undefined && o.role !== "member" && o.role !== "client")
    throw new InvalidOptionError("role", `must be "member" or "client", got ${JSON.stringify(o.role)}`);
  const role = o.role === "client" ? Role.CLIENT : Role.MEMBER;
  const auth = resolveAuth(o.auth, role);
  const rawCompression = o.compression ?? "none";
  const compression = (Array.isArray(rawCompression) ? rawCompression : [rawCompression]) as unknown[];
  if (compression.length === 0 || !compression.every((c) => compressions.includes(c as Compression)))
    throw new InvalidOptionError(
      "compression",
      `must be one of ${compressions.join(", ")} or a list of them, got ${JSON.stringify(rawCompression)}`,
    );
  if (compression.includes("zstd") && !zstdAvailable()) throw new CompressionUnavailableError("zstd");
  const types = o.types ?? [];
  if (!Array.isArray(types) || !types.every((t) => typeof t === "object" && t !== null))
    throw new InvalidOptionError("types", "must be an array of protobuf-es message schemas, file descriptors or registries");
  if (o.json !== undefined && typeof o.json !== "boolean") throw new InvalidOptionError("json", "must be a boolean");
  const serializers = o.serializers ?? [];
  if (!Array.isArray(serializers)) throw new InvalidOptionError("serializers", "must be an array of serializers");
  serializers.forEach((s: Record<string, unknown>, i) => {
    for (const fn of ["typeNameOf", "serialize", "handles", "deserialize"])
      if (typeof s?.[fn] !== "function") throw new InvalidOptionError(`serializers[${i}].${fn}`, "must be a function");
  });
  const propagator = o.propagator as Record<string, unknown> | undefined;
  if (propagator !== undefined && (typeof propagator?.inject !== "function" || typeof propagator?.extract !== "function"))
    throw new InvalidOptionError("propagator", "must have inject(headers) and extract(headers) functions");
  const kinds = resolveKinds(o.kinds);
  const heartbeatIntervalMs = positiveInt(o, "heartbeatIntervalMs", 1000);
  const idleTimeoutMs = positiveInt(o, "idleTimeoutMs", 10_000);
  if (idleTimeoutMs <= heartbeatIntervalMs)
    throw new InvalidOptionError("idleTimeoutMs", `must be greater than heartbeatIntervalMs (${heartbeatIntervalMs})`);
  const r = (o.reconnect ?? {}) as Record<string, unknown>;
  if (typeof r !== "object" || r === null)
    throw new InvalidOptionError("reconnect", "must be an object { initialDelayMs?, maxDelayMs?, giveUpAfterMs? }");
  for (const key of Object.keys(r))
    if (!["initialDelayMs", "maxDelayMs", "giveUpAfterMs"].includes(key))
      throw new InvalidOptionError(`reconnect.${key}`, "is not a reconnect option");
  const reconnect = {
    initialDelayMs: positiveInt(r, "initialDelayMs", 100, undefined, "reconnect."),
    maxDelayMs: positiveInt(r, "maxDelayMs", 5000, undefined, "reconnect."),
    giveUpAfterMs: positiveInt(r, "giveUpAfterMs", 30_000, undefined, "reconnect."),
  };
  if (reconnect.maxDelayMs < reconnect.initialDelayMs)
    throw new InvalidOptionError("reconnect.maxDelayMs", "must not be below reconnect.initialDelayMs");
  return {
    host,
    port,
    advertiseHost,
    tls,
    role,
    auth,
    maxConnectionsPerAddress: positiveInt(o, "maxConnectionsPerAddress", 64, 1_000_000),
    maxHandshakesPerSecond: positiveInt(o, "maxHandshakesPerSecond", 50, 1_000_000),
    maxPendingHandshakes: positiveInt(o, "maxPendingHandshakes", 256, 1_000_000),
    compression: compression as Compression[],
    types: types as Array<DescMessage | DescFile | Registry>,
    json: o.json === true,
    serializers: serializers as Serializer[],
    propagator: propagator as ContextPropagator | undefined,
    tracing: validateTracing(o.tracing),
    kinds,
    maxFrameBytes: positiveInt(o, "maxFrameBytes", 16 * 1024 * 1024, 1024 * 1024 * 1024),
    maxOutboundBytes: positiveInt(o, "maxOutboundBytes", 64 * 1024 * 1024),
    connectTimeoutMs: positiveInt(o, "connectTimeoutMs", 5000),
    handshakeTimeoutMs: positiveInt(o, "handshakeTimeoutMs", 5000),
    heartbeatIntervalMs,
    idleTimeoutMs,
    reconnect,
    requestTimeoutMs: o.requestTimeoutMs === undefined ? undefined : positiveInt(o, "requestTimeoutMs", 5000),
    busyPollMicros: o.busyPollMicros === 0 ? 0 : positiveInt(o, "busyPollMicros", 0, 100_000),
    errorStacks: booleanOf(o, "errorStacks"),
  };
}
