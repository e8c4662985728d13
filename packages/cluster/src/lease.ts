import { InvalidOptionError } from "@tsakt/actor";

/**
 * A lease that one owner holds at a time, for a time-to-live, kept elsewhere (etcd): the split-brain resolver's
 * lease-majority strategy lets the side that acquires it survive. Implementations: InMemoryLease (tests, one
 * process), `@tsakt/lease-etcd`, or your own.
 */
export interface Lease {
  /** Takes the lease for `owner` for `ttlMs`, or renews it when `owner` holds it; false when another owner holds it. */
  acquire(owner: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up when `owner` holds it. */
  release(owner: string): Promise<void>;
  /** The current holder, or undefined when nobody holds it. */
  holder(): Promise<string | undefined>;
}

/** A Lease in this process's memory: for tests and single-process clusters (every node must share the object). */
export class InMemoryLease implements Lease {
  private owner: string | undefined = undefined;
  private until = 0;

  /** `now` is where expiry is read. Default: Date.now. */
  constructor(private readonly now: () => number = Date.now) {}

  async acquire(owner: string, ttlMs: number): Promise<boolean> {
    if (typeof owner !== "string" || owner.length === 0) throw new InvalidOptionError("owner", "must be a non-empty string");
    if (!(Number.isFinite(ttlMs) && ttlMs > 0)) throw new InvalidOptionError("ttlMs", `must be a positive number of ms, got ${ttlMs}`);
    const now = this.now();
    if (this.owner !== undefined && this.owner !== owner && now < this.until) return false;
    this.owner = owner;
    this.until = now + ttlMs;
    return true;
  }

  async release(owner: string): Promise<void> {
    if (this.owner === owner) this.owner = undefined;
  }

  async holder(): Promise<string | undefined> {
    return this.owner !== undefined && this.now() < this.until ? this.owner : undefined;
  }
}
