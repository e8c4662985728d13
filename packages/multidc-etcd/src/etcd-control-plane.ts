import { type ControlPlane, type DatacenterRecord, decodeRecord, encodeRecord } from "@tsakt/multidc";
import { Etcd3, type Lease } from "etcd3";
import { type EtcdControlPlaneOptions, type ResolvedEtcdOptions, resolveEtcdOptions } from "./options.js";

/**
 * A control plane on etcd: one key per datacenter ("<prefix>/<name>"), written under a lease of `ttlMs` that this
 * control plane keeps alive, so the record of a datacenter whose writers all died is deleted by etcd.
 */
export class EtcdControlPlane implements ControlPlane {
  readonly #options: ResolvedEtcdOptions;
  readonly #client: Etcd3;
  #lease: Lease | undefined = undefined;
  #closed = false;

  /** Checks the options (InvalidOptionError names the field); the client connects on first use. */
  constructor(options: EtcdControlPlaneOptions = {}) {
    this.#options = resolveEtcdOptions(options);
    this.#client = this.#options.client ?? new Etcd3({ ...this.#options.clientOptions, hosts: this.#options.endpoints });
  }

  async put(record: DatacenterRecord): Promise<void> {
    this.#ensureOpen();
    const lease = this.#currentLease();
    try {
      await lease
        .put(this.#key(record.name))
        .value(Buffer.from(encodeRecord(record)))
        .options(this.#call());
    } catch (error) {
      // A lease etcd forgot (expired during an outage) or could not grant is replaced on the next put.
      if (this.#lease === lease) this.#dropLease();
      throw error;
    }
  }

  async list(): Promise<DatacenterRecord[]> {
    this.#ensureOpen();
    const values = await this.#client.getAll().prefix(`${this.#options.prefix}/`).options(this.#call()).strings();
    const records: DatacenterRecord[] = [];
    for (const value of Object.values(values)) {
      const record = decodeRecord(value);
      if (record !== undefined) records.push(record);
    }
    return records;
  }

  async remove(name: string): Promise<void> {
    this.#ensureOpen();
    await this.#client.delete().key(this.#key(name)).options(this.#call());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const lease = this.#lease;
    this.#lease = undefined;
    // Releasing the lease would delete the record at once; let it expire, so a stopping leader's successor takes over.
    lease?.release();
    if (this.#options.client === undefined) this.#client.close();
  }

  #currentLease(): Lease {
    if (this.#lease !== undefined) return this.#lease;
    const lease = this.#client.lease(this.#options.ttlSeconds, { autoKeepAlive: true });
    lease.on("lost", () => {
      if (this.#lease === lease) this.#dropLease();
    });
    this.#lease = lease;
    return lease;
  }

  #dropLease(): void {
    const lease = this.#lease;
    this.#lease = undefined;
    lease?.release();
  }

  #key(name: string): string {
    return `${this.#options.prefix}/${name}`;
  }

  #call(): { deadline: number } {
    return { deadline: Date.now() + this.#options.requestTimeoutMs };
  }

  #ensureOpen(): void {
    if (this.#closed) throw new Error("the etcd control plane is closed");
  }
}
