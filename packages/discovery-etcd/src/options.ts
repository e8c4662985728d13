import { InvalidConfigError, validateDurationMs, validateNonEmptyString, validatePositiveInteger } from "@tsakt/discovery";
import type { Etcd3, IOptions } from "etcd3";

/** Options of EtcdDiscoveryProvider; give either `endpoints` or `client`. */
export interface EtcdDiscoveryOptions {
  /** etcd client URLs, for example "http://127.0.0.1:2379". Required unless `client` is given. */
  endpoints?: string | string[];
  /** An etcd3 client you already have; the provider uses it and never closes it. Default: none (the provider creates one for `endpoints`). */
  client?: Etcd3;
  /** The cluster the nodes belong to; it names the default prefix. Default: "tsakt". */
  clusterName?: string;
  /** The key prefix; each node is stored at "<prefix>/<name>". Default: "/tsakt/discovery/<clusterName>". */
  prefix?: string;
  /** Lease TTL in whole seconds: how long a node stays listed after its process dies. Default: 10. */
  ttlSeconds?: number;
  /** How long connecting to an endpoint may take, in milliseconds. Default: 5000. */
  dialTimeoutMs?: number;
  /** Deadline of each etcd call (grant, put, get, revoke), in milliseconds. Default: 5000. */
  requestTimeoutMs?: number;
  /** Further etcd3 client options (auth, credentials, grpcOptions) for the provider's own client. Default: none. */
  clientOptions?: Omit<IOptions, "hosts" | "dialTimeout">;
}

/** EtcdDiscoveryOptions with defaults applied, as the provider uses them. */
export interface ResolvedEtcdOptions {
  endpoints: string[] | undefined;
  client: Etcd3 | undefined;
  prefix: string;
  ttlSeconds: number;
  dialTimeoutMs: number;
  requestTimeoutMs: number;
  clientOptions: Omit<IOptions, "hosts" | "dialTimeout">;
}

/** Default lease TTL in seconds. */
export const defaultTtlSeconds = 10;

/** Checks the options and applies defaults; throws InvalidConfigError naming the first bad field. */
export function resolveEtcdOptions(options: EtcdDiscoveryOptions): ResolvedEtcdOptions {
  if (typeof options !== "object" || options === null)
    throw new InvalidConfigError("options", "must be an object with endpoints or client");
  const client = options.client === undefined ? undefined : validateClient(options.client);
  const endpoints = options.endpoints === undefined ? undefined : validateEndpoints(options.endpoints);
  if (client === undefined && endpoints === undefined) throw new InvalidConfigError("endpoints", "is required unless a client is given");
  if (client !== undefined && endpoints !== undefined)
    throw new InvalidConfigError("endpoints", "must not be set together with client; the client already knows its endpoints");

  const clusterName = options.clusterName === undefined ? "tsakt" : validateNonEmptyString(options.clusterName, "clusterName");
  if (clusterName.includes("/")) throw new InvalidConfigError("clusterName", `must not contain "/", got ${JSON.stringify(clusterName)}`);
  const clientOptions = options.clientOptions ?? {};
  if (typeof clientOptions !== "object" || clientOptions === null || Array.isArray(clientOptions)) {
    throw new InvalidConfigError("clientOptions", "must be an object of etcd3 client options");
  }
  return {
    endpoints,
    client,
    prefix: options.prefix === undefined ? `/tsakt/discovery/${clusterName}` : validatePrefix(options.prefix),
    ttlSeconds: validatePositiveInteger(options.ttlSeconds, "ttlSeconds", defaultTtlSeconds),
    dialTimeoutMs: validateDurationMs(options.dialTimeoutMs, "dialTimeoutMs", 5000),
    requestTimeoutMs: validateDurationMs(options.requestTimeoutMs, "requestTimeoutMs", 5000),
    clientOptions: { ...clientOptions },
  };
}

function validateClient(value: unknown): Etcd3 {
  const candidate = value as Partial<Etcd3> | null;
  if (
    typeof candidate !== "object" ||
    candidate === null ||
    typeof candidate.lease !== "function" ||
    typeof candidate.getAll !== "function"
  ) {
    throw new InvalidConfigError("client", "must be an Etcd3 client from the etcd3 package");
  }
  return value as Etcd3;
}

function validateEndpoints(value: unknown): string[] {
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || list.length === 0)
    throw new InvalidConfigError("endpoints", "must be an etcd URL or a non-empty array of them");
  return list.map((endpoint: unknown) => {
    const text = validateNonEmptyString(endpoint, "endpoints");
    if (/\s/.test(text)) throw new InvalidConfigError("endpoints", `must not contain whitespace, got ${JSON.stringify(text)}`);
    return text;
  });
}

// A trailing slash would double up in "<prefix>/<name>" and make the prefix scan miss the keys.
function validatePrefix(value: unknown): string {
  const prefix = validateNonEmptyString(value, "prefix");
  if (prefix.endsWith("/")) throw new InvalidConfigError("prefix", `must not end with "/", got ${JSON.stringify(prefix)}`);
  return prefix;
}
