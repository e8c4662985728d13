import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { DiscoveryNode } from "@tsakt/discovery";
import type { Advertiser } from "./advertiser.js";
import { withDeadline } from "./deadline.js";
import { decodeNode, encodeNode } from "./node-json.js";

/**
 * KV mode: each node puts its JSON into a JetStream KV bucket whose entries expire after `ttlMs`, and refreshes it
 * every third of that; listing reads the bucket. A dead process stops refreshing, so its entry expires.
 */
export class KvAdvertiser implements Advertiser {
  #bucket: Promise<KV> | undefined;
  #key: string | undefined;
  #refresh: NodeJS.Timeout | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly bucketName: string,
    private readonly ttlMs: number,
    private readonly roundTripMs: number,
  ) {}

  async advertise(node: DiscoveryNode): Promise<void> {
    await withDeadline(this.nc.flush(), this.roundTripMs, "flush");
    const kv = await this.#open();
    const key = keyFor(node.name);
    const value = encodeNode(node);
    await kv.put(key, value);
    const previous = this.#key;
    this.#key = key;
    if (previous !== undefined && previous !== key) await kv.delete(previous).catch(() => undefined);
    clearInterval(this.#refresh);
    // A failed refresh is retried by the next tick; the entry survives two misses before it expires.
    this.#refresh = setInterval(() => void kv.put(key, value).catch(() => undefined), this.ttlMs / 3);
    this.#refresh.unref();
  }

  async withdraw(): Promise<void> {
    const key = this.#key;
    this.abandon();
    if (key === undefined) return;
    await (await this.#open()).delete(key);
  }

  async list(): Promise<Map<string, DiscoveryNode>> {
    // JetStream requests sent while disconnected only fail at their timeout; a round trip fails fast instead.
    await withDeadline(this.nc.flush(), this.roundTripMs, "flush");
    const kv = await this.#open();
    const found = new Map<string, DiscoveryNode>();
    for (const key of await this.#keys()) {
      const entry = await kv.get(key);
      if (entry === null || entry.operation !== "PUT") continue;
      const node = decodeNode(entry.value);
      if (node !== undefined) found.set(node.name, node);
    }
    return found;
  }

  /**
   * The bucket's keys, from the stream's subject counts: one request, with no consumer. (`kv.keys()` reads them
   * through a consumer that can wait for an idle heartbeat, seconds, when an entry is rewritten or expires while it
   * lists: a refreshing node rewrites its entry every third of the TTL.)
   */
  async #keys(): Promise<string[]> {
    const jsm = await jetstreamManager(this.nc, { timeout: this.roundTripMs });
    const prefix = `$KV.${this.bucketName}.`;
    const info = await jsm.streams.info(`KV_${this.bucketName}`, { subjects_filter: `${prefix}>` });
    return Object.keys(info.state.subjects ?? {}).map((subject) => subject.slice(prefix.length));
  }

  abandon(): void {
    clearInterval(this.#refresh);
    this.#refresh = undefined;
    this.#key = undefined;
  }

  #open(): Promise<KV> {
    const opening = (this.#bucket ??= openBucket(this.nc, this.bucketName, this.ttlMs, this.roundTripMs));
    opening.catch(() => {
      if (this.#bucket === opening) this.#bucket = undefined;
    });
    return opening;
  }
}

// The first node creates the bucket; later ones bind to it even when their ttlMs differs from the bucket's.
async function openBucket(nc: NatsConnection, name: string, ttlMs: number, timeoutMs: number): Promise<KV> {
  const kvm = new Kvm(jetstream(nc, { timeout: timeoutMs }));
  try {
    return await kvm.create(name, { ttl: ttlMs, history: 1 });
  } catch (error) {
    return kvm.open(name).catch(() => Promise.reject(error));
  }
}

// Node names may hold characters KV keys do not allow; base64url only uses allowed ones.
function keyFor(name: string): string {
  return Buffer.from(name, "utf8").toString("base64url");
}
