import { randomUUID } from "node:crypto";
import type { CheckStatus, FakeConsulCheck, FakeConsulNode, FakeConsulService } from "./consul-model.js";
import { serfHealthCheckId } from "./consul-model.js";

/** Timing knobs the real agent hard-codes or hides behind dev-only settings. */
export interface AgentTimings {
  /** Consul's check_deregister_interval_min: DeregisterCriticalServiceAfter is never shorter than this. */
  deregisterCriticalMinMs: number;
  /** Consul's check_reap_interval: how often critical services are reaped. */
  reapIntervalMs: number;
}

/** A registration after request decoding and validation. */
export interface ServiceRegistration {
  service: Omit<FakeConsulService, "createIndex" | "modifyIndex">;
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

type Listener = () => void;

/**
 * The state one dev-mode agent holds: a node, its services and checks, and the
 * raft-like index that blocking queries watch. All of it is lost on restart.
 */
export class AgentState {
  readonly node: FakeConsulNode;
  readonly services = new Map<string, FakeConsulService>();
  readonly checks = new Map<string, FakeConsulCheck>();
  #index: number;
  /** "services" table index: last write to any service. */
  #servicesIndex: number;
  /** "service.<name>" index entries: last write touching an instance or check of that name. */
  readonly #nameIndex = new Map<string, number>();
  readonly #ttlTimers = new Map<string, NodeJS.Timeout>();
  readonly #listeners = new Set<Listener>();
  readonly #reaper: NodeJS.Timeout;

  constructor(
    nodeName: string,
    datacenter: string,
    private readonly timings: AgentTimings,
  ) {
    // A fresh dev agent starts from a small index, so a restart moves indexes backwards.
    this.#index = 10;
    this.#servicesIndex = this.#index;
    this.node = {
      id: randomUUID(),
      name: nodeName,
      address: "127.0.0.1",
      datacenter,
      createIndex: this.#index,
      modifyIndex: this.#index,
    };
    this.checks.set(serfHealthCheckId, {
      checkId: serfHealthCheckId,
      name: "Serf Health Status",
      serviceId: "",
      serviceName: "",
      status: "passing",
      notes: "",
      output: "Agent alive and reachable",
      ttlMs: 0,
      deregisterCriticalAfterMs: undefined,
      criticalSince: undefined,
      createIndex: this.#index,
      modifyIndex: this.#index,
    });
    this.#reaper = setInterval(() => this.#reap(), timings.reapIntervalMs);
    this.#reaper.unref();
  }

  /** The index a blocking query on health/service/<name> reports. */
  serviceIndex(name: string): number {
    return Math.max(1, this.#nameIndex.get(name) ?? this.#servicesIndex);
  }

  /** Calls `listener` after every write; returns the unsubscribe function. */
  onWrite(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  register(reg: ServiceRegistration): void {
    const index = this.#bump();
    const previous = this.services.get(reg.service.id);
    if (previous && previous.name !== reg.service.name) this.#nameIndex.set(previous.name, index);
    this.services.set(reg.service.id, {
      ...reg.service,
      createIndex: previous?.createIndex ?? index,
      modifyIndex: index,
    });
    if (reg.replaceExistingChecks) {
      const keep = new Set(reg.checks.map((c) => c.checkId));
      for (const check of [...this.checks.values()]) {
        if (check.serviceId === reg.service.id && !keep.has(check.checkId)) this.#dropCheck(check.checkId);
      }
    }
    for (const def of reg.checks) {
      const existing = this.checks.get(def.checkId);
      const check: FakeConsulCheck = {
        checkId: def.checkId,
        name: def.name,
        serviceId: reg.service.id,
        serviceName: reg.service.name,
        status: def.status,
        notes: def.notes,
        output: "",
        ttlMs: def.ttlMs,
        deregisterCriticalAfterMs: def.deregisterCriticalAfterMs,
        criticalSince: def.status === "critical" ? Date.now() : undefined,
        createIndex: existing?.createIndex ?? index,
        modifyIndex: index,
      };
      this.checks.set(def.checkId, check);
      this.#armTtl(check);
    }
    this.#servicesIndex = index;
    this.#nameIndex.set(reg.service.name, index);
    this.#emit();
  }

  /** Removes a service and its checks; false when the id is unknown. */
  deregister(serviceId: string): boolean {
    const service = this.services.get(serviceId);
    if (!service) return false;
    const index = this.#bump();
    this.services.delete(serviceId);
    for (const check of [...this.checks.values()]) {
      if (check.serviceId === serviceId) this.#dropCheck(check.checkId);
    }
    this.#servicesIndex = index;
    this.#nameIndex.set(service.name, index);
    this.#emit();
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
    // Like the real agent, an update that changes nothing is not a catalog write, so it wakes no blocking query.
    if (check.status === status && check.output === output) return;
    if (status === "critical" && check.status !== "critical") check.criticalSince = Date.now();
    if (status !== "critical") check.criticalSince = undefined;
    check.status = status;
    check.output = output;
    const index = this.#bump();
    check.modifyIndex = index;
    if (check.serviceName) this.#nameIndex.set(check.serviceName, index);
    this.#emit();
  }

  #armTtl(check: FakeConsulCheck): void {
    const old = this.#ttlTimers.get(check.checkId);
    if (old) clearTimeout(old);
    if (check.ttlMs <= 0) return;
    const timer = setTimeout(() => {
      this.#ttlTimers.delete(check.checkId);
      const current = this.checks.get(check.checkId);
      if (current !== check) return;
      this.#setStatus(check, "critical", `TTL expired (last output before timeout follows): ${check.output}`);
    }, check.ttlMs);
    timer.unref();
    this.#ttlTimers.set(check.checkId, timer);
  }

  #dropCheck(checkId: string): void {
    const timer = this.#ttlTimers.get(checkId);
    if (timer) clearTimeout(timer);
    this.#ttlTimers.delete(checkId);
    this.checks.delete(checkId);
  }

  #reap(): void {
    const now = Date.now();
    const doomed = new Set<string>();
    for (const check of this.checks.values()) {
      if (check.deregisterCriticalAfterMs === undefined || check.criticalSince === undefined || !check.serviceId) continue;
      const after = Math.max(check.deregisterCriticalAfterMs, this.timings.deregisterCriticalMinMs);
      if (now - check.criticalSince > after) doomed.add(check.serviceId);
    }
    for (const serviceId of doomed) this.deregister(serviceId);
  }

  #bump(): number {
    this.#index += 1;
    return this.#index;
  }

  #emit(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}
