/** Health states a Consul check can be in. */
export type CheckStatus = "passing" | "warning" | "critical";

/** A service as the fake agent holds it (agent-local state, synced instantly to its one-node catalog). */
export interface FakeConsulService {
  id: string;
  name: string;
  tags: string[];
  meta: Record<string, string>;
  address: string;
  port: number;
  createIndex: number;
  modifyIndex: number;
}

/** A TTL check as the fake agent holds it. */
export interface FakeConsulCheck {
  checkId: string;
  name: string;
  serviceId: string;
  serviceName: string;
  status: CheckStatus;
  notes: string;
  output: string;
  /** TTL in milliseconds; 0 for the agent's own serfHealth check. */
  ttlMs: number;
  /** DeregisterCriticalServiceAfter in milliseconds, if the registration set it. */
  deregisterCriticalAfterMs: number | undefined;
  /** When the check last turned critical (Date.now()), for the reaper. */
  criticalSince: number | undefined;
  createIndex: number;
  modifyIndex: number;
}

/** A fake agent's node: the single catalog node every service lands on. */
export interface FakeConsulNode {
  id: string;
  name: string;
  address: string;
  datacenter: string;
  createIndex: number;
  modifyIndex: number;
}

/** Every status Consul accepts for a check. */
export const checkStatuses: readonly CheckStatus[] = ["passing", "warning", "critical"];

/** Check id of the agent's membership check, present on every Consul node. */
export const serfHealthCheckId = "serfHealth";
