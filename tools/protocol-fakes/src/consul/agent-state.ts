import type { CheckStatus, FakeConsulCheck, FakeConsulService } from "./consul-model.js";

/** Timing knobs the real agent hard-codes or hides behind dev-only settings. */
export interface AgentTimings {
  /** Consul's check_deregister_interval_min: DeregisterCriticalServiceAfter is never shorter than this. */
  deregisterCriticalMinMs: number;
  /** Consul's check_reap_interval: how often critical services are reaped. */
  reapIntervalMs: number;
}

/** A registration after request decoding and validation. */
export interface ServiceRegistration {
  service: FakeConsulService;
  checks: Array<{
    checkId: string;
    name: string;
    notes: string;
    status: CheckStatus;
    ttlMs: number;
    deregisterCriticalAfterMs: number | undefined;
  }>;
  replaceExistingChecks: boolean;
}

/** What changed in the agent's local state: the service set, or a check's status, or only a check's output. */
export type LocalChange = "services" | "status" | "output";

type Listener = (change: LocalChange) => void;

/**
 * The agent's local state (services and their TTL checks, TTL timers, the critical-service reaper),
 * as /v1/agent/* shows it. The catalog learns of changes only through anti-entropy. Lost on restart.
 */
export class AgentState {
  readonly services = new Map<string, FakeConsulService>();
  readonly checks = new Map<string, FakeConsulCheck>();
  readonly #ttlTimers = new Map<string, NodeJS.Timeout>();
  readonly #listeners = new Set<Listener>();
  readonly #reaper: NodeJS.Timeout;

  constructor(private readonly timings: AgentTimings) {
    this.#reaper = setInterval(() => this.#reap(), timings.reapIntervalMs);
    this.#reaper.unref();
  }

  /** Calls `listener` after every local change; returns the unsubscribe function. */
  onChange(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Adds or replaces a service and its checks. A check that existed before (same id) keeps its
   * status and output, whatever the registration says, until its next TTL update, as Consul
   * restores them from its snapshot of the check state.
   */
  register(reg: ServiceRegistration): void {
    const snapshot = new Map(this.checks);
    this.services.set(reg.service.id, { ...reg.service });
    if (reg.replaceExistingChecks) {
      const keep = new Set(reg.checks.map((c) => c.checkId));
      for (const check of [...this.checks.values()]) {
        if (check.serviceId === reg.service.id && !keep.has(check.checkId)) this.#dropCheck(check.checkId);
      }
    }
    for (const def of reg.checks) {
      const previous = snapshot.get(def.checkId);
      const status = previous?.status ?? def.status;
      const check: FakeConsulCheck = {
        checkId: def.checkId,
        name: def.name,
        serviceId: reg.service.id,
        serviceName: reg.service.name,
        status,
        notes: def.notes,
        output: previous?.output ?? "",
        ttlMs: def.ttlMs,
        deregisterCriticalAfterMs: def.deregisterCriticalAfterMs,
        criticalSince: status !== "critical" ? undefined : (previous?.criticalSince ?? Date.now()),
      };
      this.checks.set(def.checkId, check);
      this.#armTtl(check);
    }
    this.#emit("services");
  }

  /** Removes a service and its checks; false when the id is unknown. */
  deregister(serviceId: string): boolean {
    if (!this.services.delete(serviceId)) return false;
    for (const check of [...this.checks.values()]) {
      if (check.serviceId === serviceId) this.#dropCheck(check.checkId);
    }
    this.#emit("services");
    return true;
  }

  /** Sets a TTL check's status and output and restarts its TTL clock, as /v1/agent/check/{pass,warn,fail,update} do. */
  updateTtlCheck(checkId: string, status: CheckStatus, output: string): void {
    const check = this.checks.get(checkId);
    if (!check) return;
    this.#armTtl(check);
    this.#setStatus(check, status, output);
  }

  /** Stops every timer; the state is unusable afterwards. */
  dispose(): void {
    clearInterval(this.#reaper);
    for (const timer of this.#ttlTimers.values()) clearTimeout(timer);
    this.#ttlTimers.clear();
    this.#listeners.clear();
  }

  #setStatus(check: FakeConsulCheck, status: CheckStatus, output: string): void {
    if (status === "critical" && check.status !== "critical") check.criticalSince = Date.now();
    if (status !== "critical") check.criticalSince = undefined;
    // Like the real agent, an update that changes nothing is no change at all.
    if (check.status === status && check.output === output) return;
    const change: LocalChange = check.status === status ? "output" : "status";
    check.status = status;
    check.output = output;
    this.#emit(change);
  }

  #armTtl(check: FakeConsulCheck): void {
    const old = this.#ttlTimers.get(check.checkId);
    if (old) clearTimeout(old);
    if (check.ttlMs <= 0) return;
    const timer = setTimeout(() => {
      this.#ttlTimers.delete(check.checkId);
      if (this.checks.get(check.checkId) !== check) return;
      this.#setStatus(check, "critical", `TTL expired (last output before timeout follows): ${check.output}`);
    }, check.ttlMs);
    timer.unref();
    this.#ttlTimers.set(check.checkId, timer);
  }

  #dropCheck(checkId: string): void {
    clearTimeout(this.#ttlTimers.get(checkId));
    this.#ttlTimers.delete(checkId);
    this.checks.delete(checkId);
  }

  #reap(): void {
    const now = Date.now();
    const doomed = new Set<string>();
    for (const check of this.checks.values()) {
      if (check.deregisterCriticalAfterMs === undefined || check.criticalSince === undefined) continue;
      const after = Math.max(check.deregisterCriticalAfterMs, this.timings.deregisterCriticalMinMs);
      if (now - check.criticalSince > after) doomed.add(check.serviceId);
    }
    for (const serviceId of doomed) this.deregister(serviceId);
  }

  #emit(change: LocalChange): void {
    for (const listener of [...this.#listeners]) listener(change);
  }
}
