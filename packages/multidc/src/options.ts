import { InvalidOptionError } from "@tsakt/actor";
import type { ControlPlane } from "./control-plane.js";
import { isDatacenterName } from "./record.js";

/** This node's datacenter: every node of one cluster names the same one. */
export interface DatacenterIdentity {
  /** 1–64 letters, digits, "_" or "-". */
  name: string;
  /** Region, zone or anything else to show and select by. Default: {}. */
  labels?: Record<string, string>;
}

/** Options of multiDatacenter(). */
export interface MultiDatacenterOptions {
  /** This node's datacenter. Required. */
  datacenter: DatacenterIdentity;
  /** Where datacenters keep their records. Required; the plugin closes it when the system stops. */
  controlPlane: ControlPlane;
  /** How often every node reads the control plane and the leader writes its datacenter's record. Default: 2000. */
  heartbeatMs?: number;
  /** A datacenter whose record did not change for this long is INACTIVE; at least 2 × heartbeatMs. Default: 10000. */
  leaseMs?: number;
  /** One request to another datacenter's gateway (lookup, spawn) before the next is tried, and one control-plane call. Default: 5000. */
  requestTimeoutMs?: number;
  /** Only members with this cluster role are gateways (listed in the record). Default: every member. */
  gatewayRole?: string;
  /** How long drain() keeps the datacenter DRAINING before it turns INACTIVE. Default: 30000. */
  drainMs?: number;
  /**
   * How calls reach an actor of another datacenter: "gateway" sends every tell and ask to a relay on a gateway node
   * of that datacenter, which forwards it and relays the reply (only gateways need to be reachable across
   * datacenters); "direct" sends them straight to the actor's node (one hop less; every node must be reachable).
   * Default: "gateway".
   */
  routing?: Routing;
  /** Deadline of an ask a gateway relays for another datacenter (the caller's own deadline applies on its side). Default: 30000. */
  relayTimeoutMs?: number;
}

/** How calls reach an actor of another datacenter: through one of its gateways, or straight to the actor's node. */
export type Routing = "gateway" | "direct";

/** The defaults of multiDatacenter()'s options. */
export const multiDatacenterDefaults = Object.freeze({
  heartbeatMs: 2000,
  leaseMs: 10_000,
  requestTimeoutMs: 5000,
  drainMs: 30_000,
  routing: "gateway" as Routing,
  relayTimeoutMs: 30_000,
});

/** Options with defaults applied. */
export interface ResolvedOptions {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly controlPlane: ControlPlane;
  readonly heartbeatMs: number;
  readonly leaseMs: number;
  readonly requestTimeoutMs: number;
  readonly gatewayRole: string | undefined;
  readonly drainMs: number;
  readonly routing: Routing;
  readonly relayTimeoutMs: number;
}

/** Checks the options (InvalidOptionError names the field) and applies the defaults. */
export function resolveOptions(options: MultiDatacenterOptions): ResolvedOptions {
  if (typeof options !== "object" || options === null)
    throw new InvalidOptionError("options", "must be an object with datacenter and controlPlane");
  const dc = options.datacenter as Partial<DatacenterIdentity> | undefined;
  if (typeof dc !== "object" || dc === null) throw new InvalidOptionError("datacenter", "must be { name, labels? }");
  if (!isDatacenterName(dc.name)) throw new InvalidOptionError("datacenter.name", "must be 1–64 letters, digits, _ or -");
  const labels = dc.labels ?? {};
  if (typeof labels !== "object" || labels === null || Object.values(labels).some((v) => typeof v !== "string"))
    throw new InvalidOptionError("datacenter.labels", 'must be an object of string values, for example { region: "eu-west" }');
  const cp = options.controlPlane as Partial<ControlPlane> | undefined;
  for (const method of ["put", "list", "remove", "close"] as const)
    if (typeof cp?.[method] !== "function")
      throw new InvalidOptionError("controlPlane", `must be a ControlPlane (put, list, remove, close); ${method}() is missing`);
  const heartbeatMs = duration(options.heartbeatMs, "heartbeatMs", multiDatacenterDefaults.heartbeatMs);
  const leaseMs = duration(options.leaseMs, "leaseMs", multiDatacenterDefaults.leaseMs);
  if (leaseMs < 2 * heartbeatMs)
    throw new InvalidOptionError(
      "leaseMs",
      `must be at least 2 × heartbeatMs (${2 * heartbeatMs}), so one missed heartbeat does not expire a datacenter`,
    );
  const gatewayRole = options.gatewayRole;
  if (gatewayRole !== undefined && (typeof gatewayRole !== "string" || gatewayRole.length === 0))
    throw new InvalidOptionError("gatewayRole", "must be a non-empty cluster role");
  return {
    name: dc.name,
    labels: { ...labels },
    controlPlane: cp as ControlPlane,
    heartbeatMs,
    leaseMs,
    requestTimeoutMs: duration(options.requestTimeoutMs, "requestTimeoutMs", multiDatacenterDefaults.requestTimeoutMs),
    gatewayRole,
    drainMs: duration(options.drainMs, "drainMs", multiDatacenterDefaults.drainMs, true),
    routing: routingOf(options.routing, "routing", multiDatacenterDefaults.routing),
    relayTimeoutMs: duration(options.relayTimeoutMs, "relayTimeoutMs", multiDatacenterDefaults.relayTimeoutMs),
  };
}

/** Checks one duration option; `zero` allows 0. */
export function duration(value: unknown, field: string, fallback: number, zero = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (!zero && value === 0))
    throw new InvalidOptionError(field, `must be a ${zero ? "non-negative" : "positive"} number of milliseconds`);
  return value;
}

/** Checks a routing option. */
export function routingOf(value: unknown, field: string, fallback: Routing): Routing {
  if (value === undefined) return fallback;
  if (value !== "gateway" && value !== "direct")
    throw new InvalidOptionError(field, `must be "gateway" or "direct", got ${JSON.stringify(value)}`);
  return value;
}
