import { randomUUID } from "node:crypto";
import type { AgentState } from "./agent-state.js";
import type { CatalogCheck, CatalogService, FakeConsulCheck, FakeConsulNode, FakeConsulService } from "./consul-model.js";
import { serfHealthCheckId } from "./consul-model.js";

type Listener = () => void;

function sameService(a: FakeConsulService, b: FakeConsulService): boolean {
  return (
    a.name === b.name &&
    a.address === b.address &&
    a.port === b.port &&
    JSON.stringify(a.tags) === JSON.stringify(b.tags) &&
    JSON.stringify(a.meta) === JSON.stringify(b.meta)
  );
}

/** Whether two checks differ in anything but their output. */
function differsBeyondOutput(catalog: CatalogCheck, local: FakeConsulCheck): boolean {
  return (
    catalog.status !== local.status ||
    catalog.name !== local.name ||
    catalog.notes !== local.notes ||
    catalog.serviceId !== local.serviceId ||
    catalog.serviceName !== local.serviceName ||
    catalog.ttlMs !== local.ttlMs ||
    catalog.deregisterCriticalAfterMs !== local.deregisterCriticalAfterMs
  );
}

/**
 * The servers' catalog for the fake's one node: what /v1/health/* answers from, with the Raft-like
 * index blocking queries wait on. It changes only when anti-entropy syncs the agent's local state.
 */
export class Catalog {
  readonly node: FakeConsulNode;
  readonly services = new Map<string, CatalogService>();
  readonly checks = new Map<string, CatalogCheck>();
  #index: number;
  /** "services" table index: last write to any service. */
  #servicesIndex: number;
  /** "service.<name>" index entries: last write touching an instance or check of that name. */
  readonly #nameIndex = new Map<string, number>();
  readonly #listeners = new Set<Listener>();

  constructor(nodeName: string, datacenter: string) {
    // A fresh dev agent starts from a small index, so a restart moves indexes backwards.
    this.#index = 10;
    this.#servicesIndex = this.#index;
    this.node = { id: randomUUID(), name: nodeName, address: "127.0.0.1", datacenter, createIndex: this.#index, modifyIndex: this.#index };
    // The leader registers every member's serfHealth check; it is not one of the agent's own checks.
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
      createIndex: this.#index,
      modifyIndex: this.#index,
    });
  }

  /** The index a blocking query on health/service/<name> reports. */
  serviceIndex(name: string): number {
    return Math.max(1, this.#nameIndex.get(name) ?? this.#servicesIndex);
  }

  /** Calls `listener` after every catalog write; returns the unsubscribe function. */
  onWrite(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Brings the catalog in line with the agent's local state, one write (one index) per service or
   * check that differs. `outputDue(checkId)` says whether an output-only difference may be written
   * now (Consul defers those by check_update_interval). Returns the ids of checks whose output still waits.
   */
  sync(local: AgentState, outputDue: (checkId: string) => boolean): string[] {
    let wrote = false;
    const waiting: string[] = [];
    for (const service of local.services.values()) {
      const current = this.services.get(service.id);
      if (current && sameService(current, service)) continue;
      const index = this.#bump();
      if (current && current.name !== service.name) this.#nameIndex.set(current.name, index);
      this.services.set(service.id, {
        ...service,
        tags: [...service.tags],
        meta: { ...service.meta },
        createIndex: current?.createIndex ?? index,
        modifyIndex: index,
      });
      this.#servicesIndex = index;
      this.#nameIndex.set(service.name, index);
      wrote = true;
    }
    for (const check of local.checks.values()) {
      const current = this.checks.get(check.checkId);
      if (current && !differsBeyondOutput(current, check)) {
        if (current.output === check.output) continue;
        if (!outputDue(check.checkId)) {
          waiting.push(check.checkId);
          continue;
        }
      }
      const index = this.#bump();
      const { criticalSince: _criticalSince, ...fields } = check;
      this.checks.set(check.checkId, { ...fields, createIndex: current?.createIndex ?? index, modifyIndex: index });
      this.#nameIndex.set(check.serviceName, index);
      wrote = true;
    }
    for (const check of [...this.checks.values()]) {
      if (check.checkId === serfHealthCheckId || local.checks.has(check.checkId)) continue;
      this.checks.delete(check.checkId);
      this.#nameIndex.set(check.serviceName, this.#bump());
      wrote = true;
    }
    for (const service of [...this.services.values()]) {
      if (local.services.has(service.id)) continue;
      this.services.delete(service.id);
      const index = this.#bump();
      this.#servicesIndex = index;
      this.#nameIndex.set(service.name, index);
      wrote = true;
    }
    if (wrote) for (const listener of [...this.#listeners]) listener();
    return waiting;
  }

  #bump(): number {
    this.#index += 1;
    return this.#index;
  }
}
