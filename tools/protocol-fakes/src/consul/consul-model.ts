/** Health states a Consul check can be in. */
export type CheckStatus = "passing" | "warning" | "critical";

/** A service as the fake agent holds it locally (what /v1/agent/services shows). */
export interface FakeConsulService {
  id: string;
  name: string;
  tags: string[];
  meta: Record<string, string>;
  address: string;
  port: number;
}

/** A TTL check as the fake agent holds it locally (what /v1/agent/checks shows). */
export interface FakeConsulCheck {
  checkId: string;
  name: string;
  serviceId: string;
  serviceName: string;
  status: CheckStatus;
  notes: string;
  output: string;
  /** TTL in milliseconds; 0 for a check without one (the catalog's serfHealth). */
  ttlMs: number;
  /** DeregisterCriticalServiceAfter in milliseconds, if the registration set it. */
  deregisterCriticalAfterMs: number | undefined;
  /** When the check last turned critical (Date.now()), for the reaper. */
  criticalSince: number | undefined;
}

/** Raft indexes of a catalog entry. */
export interface Indexed {
  createIndex: number;
  modifyIndex: number;
}

/** A service as the catalog (the servers' state) holds it. */
export type CatalogService = FakeConsulService & Indexed;

/** A check as the catalog holds it. */
export type CatalogCheck = Omit<FakeConsulCheck, "criticalSince"> & Indexed;

/** A fake agent's node: the single catalog node every service lands on. */
export interface FakeConsulNode extends Indexed {
  id: string;
  name: string;
  address: string;
  datacenter: string;
}

/** Every status Consul accepts for a check. */
export const checkStatuses: readonly CheckStatus[] = ["passing", "warning", "critical"];

/** Check id of a node's membership check, which the servers keep in the catalog (it is not an agent check). */
export const serfHealthCheckId = "serfHealth";
