import { InvalidOptionError } from "@tsakt/actor";
import type { Etcd3, IOptions } from "etcd3";

/** Options of EtcdControlPlane. */
export interface EtcdControlPlaneOptions {
  /** etcd client URLs, for example ["http://127.0.0.1:2379"]. Default: ["http://127.0.0.1:2379"] (unless `client`). */
  endpoints?: string[];
  /** An etcd3 client you already have; the control plane uses it and never closes it. Default: none. */
  client?: Etcd3;
  /** Key prefix; a record is "<prefix>/<datacenter>". Default: "tsakt/datacenters". */
  prefix?: string;
  /** TTL of the lease records are written under: a record whose writer stopped is deleted after it. Default: 60000. */
  ttlMs?: number;
  /** Deadline of one etcd call. Default: 2000. */
  requestTimeoutMs?: number;
  /** Further etcd3 client options (auth, credentials) for the control plane's own client. Default: none. */
  clientOptions?: Omit<IOptions, "hosts">;
}

/** Options with defaults applied. */
export interface ResolvedEtcdOptions {
  readonly endpoints: string[];
  readonly client: Etcd3 | undefined;
  readonly prefix: string;
  readonly ttlSeconds: number;
  readonly requestTimeoutMs: number;
  readonly clientOptions: Omit<IOptions, "hosts">;
}

/** Checks the options (InvalidOptionError names the field) and applies the defaults. */
export function resolveEtcdOptions(options: EtcdControlPlaneOptions): ResolvedEtcdOptions {
  if (typeof options !== "object" || options === null) throw new InvalidOptionError("options", "must be an object");
  const { endpoints = ["http://127.0.0.1:2379"], client, prefix = "tsakt/datacenters", clientOptions = {} } = options;
  if (!Array.isArray(endpoints) || endpoints.length === 0 || !endpoints.every((e) => typeof e === "string" && e.length > 0))
    throw new InvalidOptionError("endpoints", 'must be a non-empty array of URLs, for example ["http://127.0.0.1:2379"]');
  if (client !== undefined && typeof (client as Partial<Etcd3>).lease !== "function")
    throw new InvalidOptionError("client", "must be an Etcd3 client");
  if (typeof prefix !== "string" || prefix.length === 0 || prefix.endsWith("/"))
    throw new InvalidOptionError("prefix", "must be a non-empty key prefix without a trailing /");
  if (typeof clientOptions !== "object" || clientOptions === null)
    throw new InvalidOptionError("clientOptions", "must be an object of etcd3 client options");
  const ttlMs = positive(options.ttlMs, "ttlMs", 60_000);
  if (ttlMs < 2000) throw new InvalidOptionError("ttlMs", "must be at least 2000 (etcd leases count in whole seconds)");
  return {
    endpoints,
    client,
    prefix,
    ttlSeconds: Math.ceil(ttlMs / 1000),
    requestTimeoutMs: positive(options.requestTimeoutMs, "requestTimeoutMs", 2000),
    clientOptions,
  };
}

function positive(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0)
    throw new InvalidOptionError(field, "must be a positive number of milliseconds");
  return value;
}
