import type { DescFile, DescMessage, Registry } from "@bufbuild/protobuf";
import { InvalidOptionError, type LoggerLike } from "@tsakt/actor";
import type { DiscoveryProvider } from "@tsakt/discovery";
import { parseHostPort } from "@tsakt/discovery";
import type { RemotingOptions, TlsOptions } from "@tsakt/remote";
import { type Balancer, type BalancerName, resolveBalancer } from "./balancer.js";

/** Remoting options a client may set for its own endpoint: everything but what connect() sets itself. */
export type ClientRemotingOptions = Omit<RemotingOptions, "types" | "tls" | "kinds" | "role" | "auth">;

/** Options of connect(); every duration is in milliseconds. */
export interface ClientOptions {
  /** Name of the cluster's actor system (part of every member's address). Required. */
  system: string;
  /** Members to make first contact with, "host:port" (their remoting ports). Give seeds, discovery, or both. */
  seeds?: string[];
  /** Finds members to contact; only discoverPeers() is called (the client never registers). Closed by close(). */
  discovery?: DiscoveryProvider;
  /** Protobuf schemas of the messages you send and the replies you expect; the cluster's nodes must know them too. */
  types?: Array<DescMessage | DescFile | Registry>;
  /** Which member gets the next call: "round-robin", "random", "least-load" or your own Balancer. Default: "round-robin". */
  balancer?: BalancerName | Balancer;
  /** TLS for every connection to the cluster (the members must use TLS too); under mutual TLS the certificate names the client as "tsakt-client://tsakt-client@<host>". Default: plain TCP. */
  tls?: TlsOptions;
  /** The cluster's client secret (the members' `remoting({ auth: { clientSecret } })`), proved in the handshake. Default: none (for clusters without a secret). */
  clientSecret?: string | Buffer;
  /** Further remoting options of the client's own endpoint (host, port, compression, propagator, …); the client always connects with the role "client". Default: 127.0.0.1, a free port. */
  remoting?: ClientRemotingOptions;
  /** How long connect() waits for a first member to answer. Default: 10000. */
  connectTimeoutMs?: number;
  /** Time a call may take in total, retries on other members included, unless the call gives its own. Default: 10000. */
  callTimeoutMs?: number;
  /** Longest wait for one attempt's answer before the call is tried again elsewhere. Default: 3000. */
  attemptTimeoutMs?: number;
  /** First delay before contacting an unreachable member again; it doubles up to maxRetryDelayMs. Default: 200. */
  retryDelayMs?: number;
  /** Longest delay between contact attempts to an unreachable member. Default: 5000. */
  maxRetryDelayMs?: number;
  /** How often discovery is asked again for members (and at once when no member is up). Default: 10000. */
  discoveryIntervalMs?: number;
  /** How often least-load asks the members for their load. Default: 1000. */
  loadRefreshMs?: number;
  /** Where the client logs. Default: warnings and errors to the console. */
  logger?: LoggerLike;
}

/** The options with defaults applied. */
export interface ClientSettings {
  system: string;
  seeds: Array<{ host: string; port: number }>;
  discovery: DiscoveryProvider | undefined;
  types: Array<DescMessage | DescFile | Registry>;
  balancer: Balancer;
  tls: TlsOptions | undefined;
  clientSecret: string | Buffer | undefined;
  remoting: ClientRemotingOptions;
  connectTimeoutMs: number;
  callTimeoutMs: number;
  attemptTimeoutMs: number;
  retryDelayMs: number;
  maxRetryDelayMs: number;
  discoveryIntervalMs: number;
  loadRefreshMs: number;
  logger: LoggerLike | undefined;
}

const durations = {
  connectTimeoutMs: 10_000,
  callTimeoutMs: 10_000,
  attemptTimeoutMs: 3000,
  retryDelayMs: 200,
  maxRetryDelayMs: 5000,
  discoveryIntervalMs: 10_000,
  loadRefreshMs: 1000,
} as const;

const known = new Set([
  "system",
  "seeds",
  "discovery",
  "types",
  "balancer",
  "tls",
  "clientSecret",
  "remoting",
  "logger",
  ...Object.keys(durations),
]);

/** Checks connect() options and applies defaults; InvalidOptionError names the field at fault. */
export function resolveClientOptions(options: unknown): ClientSettings {
  if (typeof options !== "object" || options === null)
    throw new InvalidOptionError("options", 'must be an object like { system: "bank", seeds: ["127.0.0.1:7001"] }');
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o))
    if (!known.has(key)) throw new InvalidOptionError(key, `is not a client option (known: ${[...known].join(", ")})`);
  if (typeof o.system !== "string" || !/^[A-Za-z0-9_.~$-]+$/.test(o.system))
    throw new InvalidOptionError(
      "system",
      "must be the cluster's actor system name (letters, digits, _ . ~ $ -), as given to ActorSystem.start({ name })",
    );
  const seeds = o.seeds ?? [];
  if (!Array.isArray(seeds)) throw new InvalidOptionError("seeds", 'must be an array of "host:port" strings');
  const parsedSeeds = seeds.map((seed, i) => {
    try {
      return parseHostPort(seed, `seeds[${i}]`);
    } catch {
      throw new InvalidOptionError(`seeds[${i}]`, `must be "host:port" (a member's remoting address), got ${JSON.stringify(seed)}`);
    }
  });
  const discovery = o.discovery as Partial<DiscoveryProvider> | undefined;
  if (discovery !== undefined && (typeof discovery?.discoverPeers !== "function" || typeof discovery.close !== "function"))
    throw new InvalidOptionError("discovery", "must be a DiscoveryProvider (with discoverPeers() and close())");
  if (parsedSeeds.length === 0 && discovery === undefined)
    throw new InvalidOptionError(
      "seeds",
      'give at least one seed ("host:port") or a discovery provider, so the client can find the cluster',
    );
  const types = o.types ?? [];
  if (!Array.isArray(types) || !types.every((t) => typeof t === "object" && t !== null))
    throw new InvalidOptionError("types", "must be an array of protobuf-es message schemas, file descriptors or registries");
  if (o.tls !== undefined && (typeof o.tls !== "object" || o.tls === null))
    throw new InvalidOptionError("tls", "must be an object { cert, key, ca?, … } as remoting() takes");
  const remoting = o.remoting ?? {};
  if (typeof remoting !== "object" || remoting === null) throw new InvalidOptionError("remoting", "must be an object of remoting options");
  for (const field of ["types", "tls", "kinds", "role", "auth"])
    if (field in remoting)
      throw new InvalidOptionError(
        `remoting.${field}`,
        field === "kinds"
          ? "give no kinds: a client hosts no actors for the cluster"
          : field === "role"
            ? 'a client always connects with the role "client"'
            : field === "auth"
              ? "give the cluster's client secret as clientSecret at the top level of the client options"
              : `give "${field}" at the top level of the client options`,
      );
  const clientSecret = o.clientSecret;
  if (clientSecret !== undefined && typeof clientSecret !== "string" && !Buffer.isBuffer(clientSecret))
    throw new InvalidOptionError("clientSecret", "must be a string or Buffer: the members' remoting({ auth: { clientSecret } })");
  const settings = {} as Record<keyof typeof durations, number>;
  for (const [field, fallback] of Object.entries(durations) as Array<[keyof typeof durations, number]>) {
    const value = o[field];
    if (value !== undefined && !(typeof value === "number" && Number.isFinite(value) && value > 0))
      throw new InvalidOptionError(field, `must be a positive number of milliseconds, got ${String(value)}`);
    settings[field] = (value as number | undefined) ?? fallback;
  }
  if (settings.maxRetryDelayMs < settings.retryDelayMs)
    throw new InvalidOptionError("maxRetryDelayMs", `must not be below retryDelayMs (${settings.retryDelayMs})`);
  const logger = o.logger as LoggerLike | undefined;
  if (
    logger !== undefined &&
    ["trace", "debug", "info", "warn", "error"].some((level) => typeof (logger as unknown as Record<string, unknown>)[level] !== "function")
  )
    throw new InvalidOptionError("logger", "must look like pino's logger (trace, debug, info, warn, error functions)");
  return {
    system: o.system,
    seeds: parsedSeeds,
    discovery: discovery as DiscoveryProvider | undefined,
    types: types as ClientSettings["types"],
    balancer: resolveBalancer(o.balancer),
    tls: o.tls as TlsOptions | undefined,
    clientSecret,
    remoting: remoting as ClientSettings["remoting"],
    ...settings,
    logger,
  };
}
