import { InvalidConfigError, validateDurationMs, validateHost, validatePort } from "@tsakt/discovery";
import type Consul from "consul";
import type { ConsulCalls } from "./consul-calls.js";

/** Options of ConsulDiscoveryProvider. */
export interface ConsulDiscoveryOptions {
  /** A Consul client you already have; close() leaves it open. Cannot be combined with host, port or secure. Default: a client the provider builds and destroys. */
  client?: Consul;
  /** Host of the Consul agent's HTTP API. Default: "127.0.0.1". */
  host?: string;
  /** Port of the Consul agent's HTTP API. Default: 8500. */
  port?: number;
  /** Use https to reach the agent. Default: false. */
  secure?: boolean;
  /** ACL token sent with every request (X-Consul-Token). Default: none. */
  token?: string;
  /** Consul service name all TsAkt nodes of one cluster register under. Default: "tsakt". */
  serviceName?: string;
  /** TTL of the node's health check; the provider passes it every ttlSeconds/3, and a node that stops doing so turns critical and leaves discovery after this long. Minimum 1. Default: 10. */
  ttlSeconds?: number;
  /** Consul's DeregisterCriticalServiceAfter: a node critical this long is removed from the catalog (Consul never does it sooner than 60 s). Default: 60. */
  deregisterAfterSeconds?: number;
  /** Keep a blocking query open so discoverPeers answers from a cache that Consul pushes changes into. Default: false (each call queries Consul). */
  watch?: boolean;
  /** Longest time one blocking query is held when watch is on, 1 to 600. Default: 30. */
  waitSeconds?: number;
  /** Timeout of each non-blocking HTTP request in milliseconds. Default: 5000. */
  requestTimeoutMs?: number;
}

/** Options after defaults and validation. */
export interface ResolvedConsulOptions {
  client: ConsulCalls;
  ownsClient: boolean;
  token: string | undefined;
  serviceName: string;
  ttlMs: number;
  deregisterAfterMs: number;
  watch: boolean;
  waitMs: number;
  requestTimeoutMs: number;
}

const knownOptions = new Set([
  "client",
  "host",
  "port",
  "secure",
  "token",
  "serviceName",
  "ttlSeconds",
  "deregisterAfterSeconds",
  "watch",
  "waitSeconds",
  "requestTimeoutMs",
]);

function seconds(value: unknown, field: string, fallback: number, min: number, max = Number.POSITIVE_INFINITY): number {
  if (value === undefined) return fallback * 1000;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    const range = max === Number.POSITIVE_INFINITY ? `at least ${min}` : `from ${min} to ${max}`;
    throw new InvalidConfigError(field, `must be a number of seconds ${range}, got ${String(value)}`);
  }
  return Math.round(value * 1000);
}

function boolean(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new InvalidConfigError(field, `must be true or false, got ${String(value)}`);
  return value;
}

function looksLikeConsulClient(value: unknown): value is ConsulCalls {
  const c = value as Partial<ConsulCalls> | null;
  return (
    typeof c === "object" &&
    c !== null &&
    typeof c.agent?.service?.register === "function" &&
    typeof c.agent.check?.pass === "function" &&
    typeof c.health?.service === "function"
  );
}

/** Validates options and applies defaults; throws InvalidConfigError naming the first bad field. */
export function resolveConsulOptions(
  options: ConsulDiscoveryOptions | undefined,
  makeClient: (o: { host: string; port: number; secure: boolean }) => ConsulCalls,
): ResolvedConsulOptions {
  const o = (options ?? {}) as Record<string, unknown>;
  if (typeof o !== "object" || Array.isArray(o)) throw new InvalidConfigError("options", "must be an object");
  for (const key of Object.keys(o)) {
    if (!knownOptions.has(key))
      throw new InvalidConfigError(key, `is not an option of ConsulDiscoveryProvider (known: ${[...knownOptions].join(", ")})`);
  }

  const token = o.token;
  if (token !== undefined && (typeof token !== "string" || token.length === 0)) {
    throw new InvalidConfigError("token", "must be a non-empty string");
  }
  const serviceName = o.serviceName ?? "tsakt";
  if (typeof serviceName !== "string" || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(serviceName)) {
    throw new InvalidConfigError(
      "serviceName",
      `must be a DNS-friendly name of letters, digits, "-", "_" or ".", got ${JSON.stringify(serviceName)}`,
    );
  }
  const resolved = {
    token: token as string | undefined,
    serviceName,
    ttlMs: seconds(o.ttlSeconds, "ttlSeconds", 10, 1),
    deregisterAfterMs: seconds(o.deregisterAfterSeconds, "deregisterAfterSeconds", 60, 1),
    watch: boolean(o.watch, "watch", false),
    waitMs: seconds(o.waitSeconds, "waitSeconds", 30, 1, 600),
    requestTimeoutMs: validateDurationMs(o.requestTimeoutMs, "requestTimeoutMs", 5000),
  };

  if (o.client !== undefined) {
    for (const field of ["host", "port", "secure"]) {
      if (o[field] !== undefined)
        throw new InvalidConfigError(field, "cannot be combined with client; configure the client you pass instead");
    }
    if (!looksLikeConsulClient(o.client))
      throw new InvalidConfigError("client", "must be a client from the consul package (new Consul(...))");
    return { ...resolved, client: o.client, ownsClient: false };
  }
  const host = o.host === undefined ? "127.0.0.1" : validateHost(o.host, "host");
  const port = o.port === undefined ? 8500 : validatePort(o.port, "port");
  const secure = boolean(o.secure, "secure", false);
  return { ...resolved, client: makeClient({ host, port, secure }), ownsClient: true };
}
