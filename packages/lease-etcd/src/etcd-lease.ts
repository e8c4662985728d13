import { InvalidOptionError, TsaktError } from "@tsakt/actor";
import { Etcd3, type Lease as EtcdClientLease } from "etcd3";

/** Options of EtcdLease: either `endpoints` (the lease makes and closes its own client) or your `client`. */
export interface EtcdLeaseOptions {
  /** etcd endpoints, for example ["http://127.0.0.1:2379"]. Required unless `client` is given. */
  endpoints?: string[];
  /** An etcd3 client you own (it is not closed by close()). Default: one made from `endpoints`. */
  client?: Etcd3;
  /** The key that holds the owner's name; every node of one cluster must use the same. Default: "tsakt/sbr-lease". */
  key?: string;
  /** How long a call to etcd may take. Default: 2000. */
  timeoutMs?: number;
}

/** etcd did not answer a lease call in time, or refused it: the caller must treat the lease as not held. */
export class LeaseUnavailableError extends TsaktError {
  constructor(
    readonly operation: string,
    cause: unknown,
  ) {
    super(
      "LeaseUnavailable",
      `the etcd lease could not ${operation}: ${cause instanceof Error ? cause.message : String(cause)}; check that etcd is reachable`,
      {
        cause,
      },
    );
  }
}

/**
 * A lease in etcd for the split-brain resolver's lease-majority strategy (`cluster({ downing: { strategy:
 * "lease-majority", lease: new EtcdLease({ endpoints }) } })`): the key holds the owner's name under an etcd lease of
 * the requested time-to-live, so a holder that vanishes loses it when the TTL runs out. Writes are compare-and-set
 * transactions, so two sides of a partition can never both hold it.
 */
export class EtcdLease {
  readonly #client: Etcd3;
  readonly #ownsClient: boolean;
  readonly #key: string;
  readonly #timeoutMs: number;
  #closed = false;

  constructor(options: EtcdLeaseOptions) {
    if (typeof options !== "object" || options === null)
      throw new InvalidOptionError("options", "must be an object { endpoints } or { client }");
    const { endpoints, client, key = "tsakt/sbr-lease", timeoutMs = 2000 } = options;
    if (client === undefined && !(Array.isArray(endpoints) && endpoints.length > 0 && endpoints.every((e) => typeof e === "string")))
      throw new InvalidOptionError("endpoints", "must be a non-empty array of etcd URLs (or pass client)");
    if (typeof key !== "string" || key.length === 0) throw new InvalidOptionError("key", "must be a non-empty string");
    if (!(Number.isInteger(timeoutMs) && timeoutMs > 0))
      throw new InvalidOptionError("timeoutMs", `must be a positive whole number of ms, got ${String(timeoutMs)}`);
    this.#ownsClient = client === undefined;
    this.#client = client ?? new Etcd3({ hosts: endpoints as string[], dialTimeout: timeoutMs });
    this.#key = key;
    this.#timeoutMs = timeoutMs;
  }

  /** Takes the lease for `owner` for `ttlMs` (rounded up to whole seconds, etcd's unit), or renews it when `owner` holds it. */
  async acquire(owner: string, ttlMs: number): Promise<boolean> {
    this.#open("acquire");
    if (typeof owner !== "string" || owner.length === 0) throw new InvalidOptionError("owner", "must be a non-empty string");
    if (!(Number.isFinite(ttlMs) && ttlMs > 0)) throw new InvalidOptionError("ttlMs", `must be a positive number of ms, got ${ttlMs}`);
    const client = this.#client;
    const grant: EtcdClientLease = client.lease(Math.max(1, Math.ceil(ttlMs / 1000)), { autoKeepAlive: false });
    try {
      const leaseId = await withTimeout(grant.grant(), this.#timeoutMs);
      // Free, or already ours (a renewal): write our name under the new lease; otherwise someone else holds it.
      const taken = await client
        .if(this.#key, "Create", "==", 0)
        .then(client.put(this.#key).value(owner).lease(leaseId))
        .options(this.#call())
        .commit();
      if (taken.succeeded) return true;
      const renewed = await client
        .if(this.#key, "Value", "==", owner)
        .then(client.put(this.#key).value(owner).lease(leaseId))
        .options(this.#call())
        .commit();
      if (renewed.succeeded) return true;
      await grant.revoke().catch(() => undefined);
      return false;
    } catch (error) {
      grant.release();
      throw new LeaseUnavailableError("be acquired", error);
    }
  }

  /** Gives the lease up when `owner` holds it. */
  async release(owner: string): Promise<void> {
    this.#open("release");
    const client = this.#client;
    try {
      await client.if(this.#key, "Value", "==", owner).then(client.delete().key(this.#key)).options(this.#call()).commit();
    } catch (error) {
      throw new LeaseUnavailableError("be released", error);
    }
  }

  /** The current holder, or undefined when nobody holds it. */
  async holder(): Promise<string | undefined> {
    this.#open("holder");
    try {
      return (await this.#client.get(this.#key).options(this.#call()).string()) ?? undefined;
    } catch (error) {
      throw new LeaseUnavailableError("be read", error);
    }
  }

  /** Closes the lease's own client (not one you passed); idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsClient) this.#client.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #open(operation: string): void {
    if (this.#closed) throw new LeaseUnavailableError(operation, new Error("the lease was closed"));
  }

  /** Per-call options: a deadline of timeoutMs from now. */
  #call(): { deadline: number } {
    return { deadline: Date.now() + this.#timeoutMs };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
