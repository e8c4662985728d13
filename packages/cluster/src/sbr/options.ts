import { InvalidOptionError } from "@tsakt/actor";
import type { Lease } from "../lease.js";

/** How the split-brain resolver picks the side that survives when members become unreachable. */
export type DowningStrategyName = "keep-majority" | "static-quorum" | "keep-oldest" | "down-all" | "lease-majority";

/**
 * The split-brain resolver (Akka's SBR is the model): once the set of unreachable members has been stable for
 * `stableAfterMs`, each side decides by `strategy` whether it survives (and downs the unreachable members after
 * `downRemovalMarginMs`) or downs itself (it stops everything it hosts, then stops or rejoins).
 */
export interface DowningOptions {
  /** Default: "keep-majority" (on an even split the side with the oldest member survives). */
  strategy?: DowningStrategyName;
  /** How long membership and reachability must not change before deciding. Default: 1500. */
  stableAfterMs?: number;
  /** Extra wait of the surviving side before it downs the others, so they have stopped what they host first. Default: 1500. */
  downRemovalMarginMs?: number;
  /** Count only members with this role (the decision still applies to every member of a side). Default: every member. */
  role?: string;
  /** static-quorum: the smallest side that may survive; set it above half the cluster size. Required for static-quorum. */
  quorumSize?: number;
  /** keep-oldest: when the oldest member is alone on its side, down it and keep the others. Default: true. */
  downIfAlone?: boolean;
  /** lease-majority: the lease the surviving side must hold. Required for lease-majority. */
  lease?: Lease;
  /** lease-majority: how long the lease is taken for. Default: 2 × (stableAfterMs + downRemovalMarginMs). */
  leaseTtlMs?: number;
  /** lease-majority: how long the minority side waits before trying the lease, so the majority gets it. Default: 2000. */
  acquireLeaseDelayForMinorityMs?: number;
  /** What a downed node does after stopping what it hosts: stop its actor system, or rejoin as a new run. Default: "stop-system". */
  whenDowned?: "stop-system" | "rejoin";
}

/** The options with defaults applied. */
export interface DowningSettings {
  readonly strategy: DowningStrategyName;
  readonly stableAfterMs: number;
  readonly downRemovalMarginMs: number;
  readonly role: string | undefined;
  readonly quorumSize: number;
  readonly downIfAlone: boolean;
  readonly lease: Lease | undefined;
  readonly leaseTtlMs: number;
  readonly acquireLeaseDelayForMinorityMs: number;
  readonly whenDowned: "stop-system" | "rejoin";
}

const strategies: ReadonlySet<string> = new Set(["keep-majority", "static-quorum", "keep-oldest", "down-all", "lease-majority"]);
const known = new Set([
  "strategy",
  "stableAfterMs",
  "downRemovalMarginMs",
  "role",
  "quorumSize",
  "downIfAlone",
  "lease",
  "leaseTtlMs",
  "acquireLeaseDelayForMinorityMs",
  "whenDowned",
]);

function ms(o: Record<string, unknown>, field: string, fallback: number, min = 0): number {
  const v = o[field];
  if (v === undefined) return fallback;
  if (!(Number.isInteger(v) && (v as number) >= min && (v as number) <= 3_600_000))
    throw new InvalidOptionError(`downing.${field}`, `must be a whole number of ms from ${min} to 3600000, got ${String(v)}`);
  return v as number;
}

/** Checks the downing options (InvalidOptionError names the field) and applies defaults. */
export function resolveDowning(options: unknown): DowningSettings {
  const o = (options ?? {}) as Record<string, unknown>;
  if (typeof o !== "object" || Array.isArray(o))
    throw new InvalidOptionError("downing", "must be an object { strategy, stableAfterMs, … }");
  for (const key of Object.keys(o))
    if (!known.has(key)) throw new InvalidOptionError(`downing.${key}`, `is not a downing option (known: ${[...known].join(", ")})`);
  const strategy = (o.strategy ?? "keep-majority") as DowningStrategyName;
  if (!strategies.has(strategy))
    throw new InvalidOptionError("downing.strategy", `must be one of ${[...strategies].join(", ")}, got ${JSON.stringify(o.strategy)}`);
  if (o.role !== undefined && (typeof o.role !== "string" || o.role.length === 0))
    throw new InvalidOptionError("downing.role", "must be a non-empty string");
  const quorumSize = o.quorumSize;
  if (strategy === "static-quorum" && !(Number.isInteger(quorumSize) && (quorumSize as number) >= 1))
    throw new InvalidOptionError(
      "downing.quorumSize",
      "is required by static-quorum: the smallest side that survives (more than half the cluster)",
    );
  const lease = o.lease as Lease | undefined;
  if (strategy === "lease-majority" && (typeof lease?.acquire !== "function" || typeof lease.release !== "function"))
    throw new InvalidOptionError("downing.lease", "is required by lease-majority: a Lease such as EtcdLease from @tsakt/lease-etcd");
  if (o.downIfAlone !== undefined && typeof o.downIfAlone !== "boolean")
    throw new InvalidOptionError("downing.downIfAlone", "must be a boolean");
  if (o.whenDowned !== undefined && o.whenDowned !== "stop-system" && o.whenDowned !== "rejoin")
    throw new InvalidOptionError("downing.whenDowned", `must be "stop-system" or "rejoin", got ${JSON.stringify(o.whenDowned)}`);
  const stableAfterMs = ms(o, "stableAfterMs", 1500, 1);
  const downRemovalMarginMs = ms(o, "downRemovalMarginMs", 1500);
  return {
    strategy,
    stableAfterMs,
    downRemovalMarginMs,
    role: o.role as string | undefined,
    quorumSize: (quorumSize as number | undefined) ?? 0,
    downIfAlone: (o.downIfAlone as boolean | undefined) ?? true,
    lease,
    leaseTtlMs: ms(o, "leaseTtlMs", 2 * (stableAfterMs + downRemovalMarginMs), 1),
    acquireLeaseDelayForMinorityMs: ms(o, "acquireLeaseDelayForMinorityMs", 2000),
    whenDowned: (o.whenDowned as "stop-system" | "rejoin" | undefined) ?? "stop-system",
  };
}
