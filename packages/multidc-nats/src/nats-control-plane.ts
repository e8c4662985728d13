import { jetstream } from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type ControlPlane, type DatacenterRecord, decodeRecord, encodeRecord } from "@tsakt/multidc";
import { type NatsControlPlaneOptions, type ResolvedNatsOptions, resolveNatsOptions } from "./options.js";

/**
 * A control plane on NATS JetStream KV: one key per datacenter in a bucket whose entries expire after `ttlMs`.
 * Reconnects by itself after a server outage; calls made meanwhile reject within `requestTimeoutMs`.
 */
export class NatsControlPlane implements ControlPlane {
  readonly #options: ResolvedNatsOptions;
  #opening: Promise<{ nc: NatsConnection; kv: KV }> | undefined = undefined;
  #closed = false;

  /** Checks the options (InvalidOptionError names the field); the connection is made on first use. */
  constructor(options: NatsControlPlaneOptions = {}) {
    this.#options = resolveNatsOptions(options);
  }

  async put(record: DatacenterRecord): Promise<void> {
    const { kv } = await this.#ready();
    await this.#deadline(kv.put(record.name, encodeRecord(record)), "put");
  }

  async list(): Promise<DatacenterRecord[]> {
    const { kv } = await this.#ready();
    // Listing keys runs a consumer to its end; the whole listing gets one deadline, so it cannot hang.
    return this.#deadline(this.#list(kv), "list");
  }

  async #list(kv: KV): Promise<DatacenterRecord[]> {
    const records: DatacenterRecord[] = [];
    const keys: string[] = [];
    for await (const key of await kv.keys()) keys.push(key);
    for (const key of keys) {
      const entry = await kv.get(key);
      if (entry === null || entry.operation !== "PUT") continue;
      const record = decodeRecord(entry.value);
      if (record !== undefined) records.push(record);
    }
    return records;
  }

  async remove(name: string): Promise<void> {
    const { kv } = await this.#ready();
    await this.#deadline(kv.delete(name), "delete");
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const opened = await this.#opening?.catch(() => undefined);
    if (opened !== undefined && this.#options.connection === undefined) await opened.nc.close().catch(() => undefined);
  }

  async #ready(): Promise<{ nc: NatsConnection; kv: KV }> {
    if (this.#closed) throw new Error("the NATS control plane is closed");
    const opening = (this.#opening ??= this.#open());
    let opened: { nc: NatsConnection; kv: KV };
    try {
      opened = await opening;
    } catch (error) {
      if (this.#opening === opening) this.#opening = undefined;
      throw error;
    }
    if (opened.nc.isClosed() && this.#options.connection === undefined) {
      if (this.#opening === opening) this.#opening = undefined;
      return this.#ready();
    }
    // JetStream requests sent while disconnected fail only at their timeout; a round trip fails fast instead.
    await this.#deadline(opened.nc.flush(), "flush");
    return opened;
  }

  async #open(): Promise<{ nc: NatsConnection; kv: KV }> {
    const { servers, requestTimeoutMs, reconnectWaitMs, bucket, ttlMs } = this.#options;
    const nc =
      this.#options.connection ??
      (await connect({
        ...(servers === undefined ? {} : { servers }),
        timeout: requestTimeoutMs,
        reconnect: true,
        // The control plane must outlive a server outage: the heartbeat keeps calling until it is back.
        maxReconnectAttempts: -1,
        reconnectTimeWait: reconnectWaitMs,
      }));
    try {
      const kvm = new Kvm(jetstream(nc, { timeout: requestTimeoutMs }));
      // The first datacenter creates the bucket; the others bind to it.
      const kv = await kvm
        .create(bucket, { ttl: ttlMs, history: 1 })
        .catch((error: unknown) => kvm.open(bucket).catch(() => Promise.reject(error)));
      return { nc, kv };
    } catch (error) {
      if (this.#options.connection === undefined) await nc.close().catch(() => undefined);
      throw error;
    }
  }

  #deadline<T>(promise: Promise<T>, what: string): Promise<T> {
    const ms = this.#options.requestTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`NATS control plane: ${what} got no answer within ${ms} ms`)), ms);
    });
    return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
  }
}
