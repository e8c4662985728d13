import { type ActorSystem, InvalidOptionError, type Kind, type KindDefinition } from "@tsakt/actor";
import { type Clock, resolveKinds, systemClock } from "@tsakt/actor/internal";
import type { DiscoveryProvider } from "@tsakt/discovery";
import { type DowningOptions, type DowningSettings, resolveDowning } from "./sbr/options.js";
import type { ClusterTransport } from "./transport.js";

/** Options of a Cluster; every duration is in milliseconds. */
export interface ClusterOptions {
  /** How this node exchanges cluster messages, or a factory called at start with the running system. Default: remotingTransport() (needs the remoting() plugin). */
  transport?: ClusterTransport | ((system: ActorSystem) => ClusterTransport | Promise<ClusterTransport>);
  /** Finds the seeds to join through; the cluster registers this node in it. Closed when the cluster stops. Required. */
  discovery: DiscoveryProvider;
  /** Roles this node plays, for placement and singletons by role. Default: none. */
  roles?: string[];
  /** Number of registry partitions; every member must use the same value. Default: 271. */
  partitions?: number;
  /** Copies of each partition: one primary and replicaCount-1 backups. Default: 2. */
  replicaCount?: number;
  /** How often this node probes one member. Default: 500. */
  probeIntervalMs?: number;
  /** How long a direct probe waits for its ack before asking others to probe; below probeIntervalMs. Default: 200. */
  pingTimeoutMs?: number;
  /** Members asked to probe indirectly when a direct probe fails (SWIM's k). Default: 3. */
  indirectChecks?: number;
  /**
   * How long a suspected member has to refute before this node counts it unreachable (the split-brain resolver then
   * decides); with suspicionMaxTimeoutMs above it, the timeout once the other members confirmed the suspicion
   * (Lifeguard: each member whose own probe fails confirms). Default: 1000.
   */
  suspicionTimeoutMs?: number;
  /**
   * Opt-in Lifeguard suspicion: the timeout while the first suspector alone suspects; it falls towards
   * suspicionTimeoutMs with the logarithm of the confirmations (up to 3, or all the other members in smaller clusters).
   * At least suspicionTimeoutMs; equal to it turns confirmations off. Default: suspicionTimeoutMs (off).
   */
  suspicionMaxTimeoutMs?: number;
  /** Most membership updates piggybacked on one message. Default: 8. */
  maxPiggyback?: number;
  /** Each update is piggybacked retransmitMultiplier × ⌈log2(members + 1)⌉ times. Default: 2. */
  retransmitMultiplier?: number;
  /** Most updates waiting to be piggybacked; the most-sent ones are dropped past it. Default: 512. */
  gossipBufferSize?: number;
  /** How often discovery is asked again for peers (late starters, healed partitions) and one member is fully synced. Default: 5000. */
  discoveryIntervalMs?: number;
  /** How long a join or sync exchange with one peer may take. Default: 1000. */
  joinTimeoutMs?: number;
  /** How long a registry request to one member may take. Default: 2000. */
  requestTimeoutMs?: number;
  /** How long a new primary waits for the other members' copies of its partitions, and replication for backups. Default: 2000. */
  handoffTimeoutMs?: number;
  /** How long stop() spends handing registry entries over before announcing the leave. Default: 2000. */
  leaveTimeoutMs?: number;
  /** How long registry removal markers are kept so stale copies cannot bring a key back. Default: 60000. */
  tombstoneTtlMs?: number;
  /** How long dead and departed members are remembered, so stale gossip cannot revive them. Default: 60000. */
  deadMemberTtlMs?: number;
  /** Actor kinds that spawnOn, singletons and relocation create on this node: a factory, or { factory, options } whose spawn options (mailbox, supervisor, passivation, …) every such actor gets. Register the same kinds on every node. Default: none. */
  kinds?: Record<string, KindDefinition>;
  /**
   * Copies of a registry write (the primary's included) that must store it before it is acknowledged: "all" the
   * partition's replicas that are members, or a number (capped at the replicas there are); 1 acknowledges the
   * primary's copy alone — an explicit opt-out that loses acknowledged writes with the primary. A write short of its
   * quorum is rolled back and fails with RegistryWriteQuorumError. Default: "all".
   */
  writeQuorum?: number | "all";
  /** The split-brain resolver: which side survives a partition or a crash, and what a downed node does. Default: keep-majority (see DowningOptions). */
  downing?: DowningOptions;
  /** How long actorOf(name) keeps retrying a name whose owner is suspect or gone, or that is missing right after a member left (a relocation may be under way). Default: 5000. */
  lookupRetryMs?: number;
}

/** The options with defaults applied. */
export type ClusterSettings = Required<Omit<ClusterOptions, "kinds" | "downing">> & {
  /** The split-brain resolver's settings. */
  downing: DowningSettings;
  /** The kinds, checked. */
  kinds: Map<string, Kind>;
  /** The system's clock, set at start. */
  clock: Clock;
};

/** Default values of the cluster's tuning options: with them a killed node is unreachable after about 1.5–2 s and downed about 3 s later (stableAfterMs + downRemovalMarginMs). */
export const clusterDefaults = Object.freeze({
  roles: [] as string[],
  partitions: 271,
  replicaCount: 2,
  probeIntervalMs: 500,
  pingTimeoutMs: 200,
  indirectChecks: 3,
  suspicionTimeoutMs: 1000,
  maxPiggyback: 8,
  retransmitMultiplier: 2,
  gossipBufferSize: 512,
  discoveryIntervalMs: 5000,
  joinTimeoutMs: 1000,
  requestTimeoutMs: 2000,
  handoffTimeoutMs: 2000,
  leaveTimeoutMs: 2000,
  tombstoneTtlMs: 60_000,
  deadMemberTtlMs: 60_000,
  lookupRetryMs: 5000,
  writeQuorum: "all" as number | "all",
});

type Limits = readonly [min: number, max: number];

const integerLimits: Record<string, Limits> = {
  partitions: [1, 65_536],
  replicaCount: [1, 16],
  probeIntervalMs: [1, 3_600_000],
  pingTimeoutMs: [1, 3_600_000],
  indirectChecks: [0, 64],
  suspicionTimeoutMs: [1, 3_600_000],
  suspicionMaxTimeoutMs: [1, 3_600_000],
  maxPiggyback: [1, 1024],
  retransmitMultiplier: [1, 64],
  gossipBufferSize: [1, 1_000_000],
  discoveryIntervalMs: [1, 86_400_000],
  joinTimeoutMs: [1, 3_600_000],
  requestTimeoutMs: [1, 3_600_000],
  handoffTimeoutMs: [1, 3_600_000],
  leaveTimeoutMs: [0, 3_600_000],
  tombstoneTtlMs: [1, 86_400_000],
  deadMemberTtlMs: [1, 86_400_000],
  lookupRetryMs: [0, 3_600_000],
};

const known = new Set(["transport", "discovery", "roles", "kinds", "writeQuorum", "downing", ...Object.keys(integerLimits)]);

/** Checks `options` and applies defaults; throws InvalidOptionError naming the field at fault. */
export function resolveClusterOptions(options: unknown): ClusterSettings {
  if (typeof options !== "object" || options === null)
    throw new InvalidOptionError("options", "must be an object { transport, discovery, … }");
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o))
    if (!known.has(key)) throw new InvalidOptionError(key, `is not a cluster option (known: ${[...known].join(", ")})`);
  validateTransport(o.transport);
  validateDiscovery(o.discovery);
  if (o.roles !== undefined && (!Array.isArray(o.roles) || o.roles.some((r) => typeof r !== "string" || r.length === 0)))
    throw new InvalidOptionError("roles", "must be an array of non-empty strings");
  const kinds = resolveKinds(o.kinds);
  if (
    o.writeQuorum !== undefined &&
    o.writeQuorum !== "all" &&
    !(Number.isInteger(o.writeQuorum) && (o.writeQuorum as number) >= 1 && (o.writeQuorum as number) <= 16)
  )
    throw new InvalidOptionError("writeQuorum", `must be "all" or a whole number from 1 to 16, got ${JSON.stringify(o.writeQuorum)}`);
  for (const [field, [min, max]] of Object.entries(integerLimits)) {
    const value = o[field];
    if (value !== undefined && (!Number.isInteger(value) || (value as number) < min || (value as number) > max))
      throw new InvalidOptionError(field, `must be a whole number from ${min} to ${max}, got ${String(value)}`);
  }
  const downing = resolveDowning(o.downing);
  const settings = { ...clusterDefaults, ...(o as Partial<ClusterSettings>), kinds, downing, clock: systemClock } as ClusterSettings;
  settings.roles = [...new Set(settings.roles)];
  settings.suspicionMaxTimeoutMs = (o.suspicionMaxTimeoutMs as number | undefined) ?? settings.suspicionTimeoutMs;
  if (settings.suspicionMaxTimeoutMs < settings.suspicionTimeoutMs)
    throw new InvalidOptionError(
      "suspicionMaxTimeoutMs",
      `must be at least suspicionTimeoutMs (${settings.suspicionTimeoutMs}); got ${settings.suspicionMaxTimeoutMs}`,
    );
  if (settings.pingTimeoutMs >= settings.probeIntervalMs)
    throw new InvalidOptionError(
      "pingTimeoutMs",
      `must be below probeIntervalMs (${settings.probeIntervalMs}), so an indirect probe fits in the interval; got ${settings.pingTimeoutMs}`,
    );
  return settings;
}

function validateTransport(value: unknown): void {
  if (typeof value === "function") return;
  const t = value as Partial<Record<keyof ClusterTransport, unknown>> | null | undefined;
  if (typeof t !== "object" || t === null)
    throw new InvalidOptionError("transport", "is required: a ClusterTransport or a function (system) => ClusterTransport");
  for (const method of ["send", "request", "onMessage", "close"] as const)
    if (typeof t[method] !== "function") throw new InvalidOptionError(`transport.${method}`, "must be a function");
  const self = t.self as Record<string, unknown> | undefined;
  if (typeof self?.name !== "string" || typeof self.host !== "string" || typeof self.port !== "number")
    throw new InvalidOptionError("transport.self", "must be { name, host, port }");
}

function validateDiscovery(value: unknown): void {
  const d = value as Partial<Record<keyof DiscoveryProvider, unknown>> | null | undefined;
  if (typeof d !== "object" || d === null)
    throw new InvalidOptionError("discovery", "is required: a DiscoveryProvider (for example StaticDiscoveryProvider)");
  for (const method of ["register", "discoverPeers", "deregister", "close"] as const)
    if (typeof d[method] !== "function") throw new InvalidOptionError(`discovery.${method}`, "must be a function");
}
