import { InvalidOptionError } from "@tsakt/actor";

/**
 * How many nodes must hold a write, or answer a read, for the call to succeed (this node included): "local" (this
 * node only), "majority" (more than half of the live members), "all" (every live member) or `{ count: n }`.
 */
export type Consistency = "local" | "majority" | "all" | { readonly count: number };

/** Options of update and delete. */
export interface WriteOptions {
  /** Nodes that must hold the write before the call resolves. Default: "local". */
  writeConsistency?: Consistency;
  /** How long to wait for them; the replicator's `timeoutMs` when absent. */
  timeoutMs?: number;
}

/** Options of get. */
export interface ReadOptions {
  /** Nodes whose values are merged into the answer. Default: "local". */
  readConsistency?: Consistency;
  /** How long to wait for them; the replicator's `timeoutMs` when absent. */
  timeoutMs?: number;
}

/** Options of replicator(). Every duration is in milliseconds. */
export interface ReplicatorOptions {
  /** How often each node sends what it changed since the previous tick to every other member. Default: 200. */
  gossipIntervalMs?: number;
  /** How often each node exchanges digests with one random member and repairs what differs (full-state anti-entropy). Default: 1000. */
  antiEntropyIntervalMs?: number;
  /** Gossip and write the deltas of updates (true) or the whole values of the changed keys (false). Default: true. */
  deltas?: boolean;
  /** How long update, get and delete wait for a consistency above local, unless the call says otherwise. Default: 3000. */
  timeoutMs?: number;
  /** How long changes of a key are coalesced before its subscribers are told. Default: 50. */
  notifyIntervalMs?: number;
  /** Key digests per anti-entropy message; more keys are covered in chunks, one chunk per round. Default: 500. */
  maxDigestsPerStatus?: number;
  /** Most bytes of values in one gossip message; more go in further messages. Default: 262144. */
  maxGossipBytes?: number;
  /** Name of the system actor the replicators of the other nodes talk to; the same on every node. Default: "replicator". */
  name?: string;
}

/** The options with defaults applied. */
export type ReplicatorSettings = Readonly<Required<ReplicatorOptions>>;

/** Default values of the replicator's options. */
export const replicatorDefaults = Object.freeze({
  gossipIntervalMs: 200,
  antiEntropyIntervalMs: 1000,
  deltas: true,
  timeoutMs: 3000,
  notifyIntervalMs: 50,
  maxDigestsPerStatus: 500,
  maxGossipBytes: 262_144,
  name: "replicator",
});

const known = new Set(Object.keys(replicatorDefaults));

function positive(o: Record<string, unknown>, field: string, allowZero = false): void {
  const v = o[field];
  if (v === undefined) return;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0))
    throw new InvalidOptionError(field, `must be a ${allowZero ? "non-negative" : "positive"} finite number, got ${String(v)}`);
}

/** Checks the options (InvalidOptionError names the field) and fills in the defaults. */
export function resolveReplicatorOptions(options: ReplicatorOptions): ReplicatorSettings {
  if (typeof options !== "object" || options === null) throw new InvalidOptionError("options", "must be an object");
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o))
    if (!known.has(key)) throw new InvalidOptionError(key, `is not a replicator option (known: ${[...known].join(", ")})`);
  for (const field of ["gossipIntervalMs", "antiEntropyIntervalMs", "timeoutMs"]) positive(o, field);
  positive(o, "notifyIntervalMs", true);
  for (const field of ["maxDigestsPerStatus", "maxGossipBytes"]) {
    const v = o[field];
    if (v !== undefined && !(Number.isSafeInteger(v) && (v as number) >= 1))
      throw new InvalidOptionError(field, `must be a whole number >= 1, got ${String(v)}`);
  }
  if (o.deltas !== undefined && typeof o.deltas !== "boolean") throw new InvalidOptionError("deltas", "must be true or false");
  const name = o.name;
  if (name !== undefined && (typeof name !== "string" || !/^[A-Za-z0-9_.~@-][A-Za-z0-9_.~@$-]{0,254}$/.test(name)))
    throw new InvalidOptionError("name", "must be an actor name: letters, digits and _ . ~ @ $ -, not starting with $");
  return { ...replicatorDefaults, ...options } as ReplicatorSettings;
}

/** Checks a consistency level given to a call; `field` names it in the error. */
export function checkConsistency(value: unknown, field: string): Consistency {
  if (value === "local" || value === "majority" || value === "all") return value;
  const count = (value as { count?: unknown } | null)?.count;
  if (typeof value === "object" && value !== null && Number.isSafeInteger(count) && (count as number) >= 1) return value as Consistency;
  throw new InvalidOptionError(field, `must be "local", "majority", "all" or { count: n } with n >= 1, got ${JSON.stringify(value)}`);
}

/** How many nodes (this one included) a consistency needs among `members` live members. */
export function needed(consistency: Consistency, members: number): number {
  if (consistency === "local") return 1;
  if (consistency === "majority") return Math.floor(members / 2) + 1;
  if (consistency === "all") return members;
  return consistency.count;
}

/** For messages: "majority", "all", "local" or "3 nodes". */
export function describeConsistency(consistency: Consistency): string {
  return typeof consistency === "string" ? consistency : `${consistency.count} node${consistency.count === 1 ? "" : "s"}`;
}

/** Checks a per-call timeout. */
export function checkTimeout(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0)
    throw new InvalidOptionError("timeoutMs", `must be a positive finite number of milliseconds, got ${String(value)}`);
  return value;
}
