import type { DatacenterRecord } from "./record.js";

/**
 * Where datacenters find each other: a small store of one record per datacenter. Every node polls `list()`; only a
 * datacenter's leader calls `put` for it. Implementations: InMemoryControlPlane (one process),
 * NatsControlPlane (@tsakt/multidc-nats) and EtcdControlPlane (@tsakt/multidc-etcd).
 */
export interface ControlPlane {
  /** Stores `record` under its name, replacing the one there; rejects when the store cannot be reached. */
  put(record: DatacenterRecord): Promise<void>;
  /** Every stored record; rejects when the store cannot be reached. */
  list(): Promise<DatacenterRecord[]>;
  /** Removes the record of datacenter `name`; a no-op when there is none. */
  remove(name: string): Promise<void>;
  /** Releases connections the control plane opened itself; idempotent. */
  close(): Promise<void>;
}

/**
 * A control plane in one process's memory, for tests and single-process setups. Every node needs a client of its own
 * (the plugin closes its client on stop): `store.client()` makes one sharing this one's records.
 */
export class InMemoryControlPlane implements ControlPlane {
  private shared: { records: Map<string, DatacenterRecord>; available: boolean };
  private closed = false;

  /** A new store with no records. */
  constructor() {
    this.shared = { records: new Map(), available: true };
  }

  /** Another client of the same records (and availability), for another node. */
  client(): InMemoryControlPlane {
    const client = new InMemoryControlPlane();
    client.shared = this.shared;
    return client;
  }

  /** False simulates an outage for every client of the store: calls reject until it is true again. Default: true. */
  get available(): boolean {
    return this.shared.available;
  }

  set available(value: boolean) {
    this.shared.available = value;
  }

  async put(record: DatacenterRecord): Promise<void> {
    this.check();
    this.shared.records.set(record.name, structuredClone(record));
  }

  async list(): Promise<DatacenterRecord[]> {
    this.check();
    return [...this.shared.records.values()].map((r) => structuredClone(r));
  }

  async remove(name: string): Promise<void> {
    this.check();
    this.shared.records.delete(name);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private check(): void {
    if (this.closed) throw new Error("in-memory control plane client is closed");
    if (!this.shared.available) throw new Error("in-memory control plane is unavailable (available = false)");
  }
}
