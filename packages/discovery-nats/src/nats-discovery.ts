import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type DiscoveryNode, type DiscoveryProvider, DiscoveryUnavailableError, ProviderClosedError, validateNode } from "@tsakt/discovery";
import type { Advertiser } from "./advertiser.js";
import { KvAdvertiser } from "./kv-bucket.js";
import { type NatsDiscoveryOptions, type ResolvedNatsOptions, resolveNatsOptions } from "./options.js";
import { RequestReplyAdvertiser } from "./request-reply.js";

/** Discovery over NATS: nodes answer requests on the cluster's subject ("request" mode) or keep expiring entries in a JetStream KV bucket ("kv" mode). */
export class NatsDiscoveryProvider implements DiscoveryProvider {
  /** Always "nats". */
  readonly id = "nats";
  readonly #options: ResolvedNatsOptions;
  #connecting: Promise<{ nc: NatsConnection; advertiser: Advertiser }> | undefined;
  #self: DiscoveryNode | undefined;
  #closing: Promise<void> | undefined;

  /** Checks the options (throwing InvalidConfigError); connecting waits for the first register or discoverPeers. */
  constructor(options: NatsDiscoveryOptions) {
    this.#options = resolveNatsOptions(options);
  }

  /** Advertises `self` to the cluster, replacing a node registered earlier by this provider. */
  async register(self: DiscoveryNode): Promise<void> {
    this.#ensureOpen("register");
    const node = validateNode(self);
    const advertiser = await this.#advertiser("register");
    this.#ensureOpen("register");
    try {
      await advertiser.advertise(node);
    } catch (error) {
      // Half-advertised state would be refreshed or answered forever; drop it and let the caller retry.
      this.#self = undefined;
      advertiser.abandon();
      throw new DiscoveryUnavailableError(this.id, "register", error);
    }
    this.#self = node;
  }

  /** Returns the nodes advertised in the cluster, self excluded. */
  async discoverPeers(): Promise<DiscoveryNode[]> {
    this.#ensureOpen("discoverPeers");
    const advertiser = await this.#advertiser("discoverPeers");
    let nodes: Map<string, DiscoveryNode>;
    try {
      nodes = await advertiser.list();
    } catch (error) {
      throw new DiscoveryUnavailableError(this.id, "discoverPeers", error);
    }
    if (this.#self !== undefined) nodes.delete(this.#self.name);
    return [...nodes.values()];
  }

  /** Stops advertising the registered node; a no-op when nothing is registered. */
  async deregister(): Promise<void> {
    this.#ensureOpen("deregister");
    if (this.#self === undefined) return;
    this.#self = undefined;
    const advertiser = await this.#advertiser("deregister");
    try {
      await advertiser.withdraw();
    } catch (error) {
      throw new DiscoveryUnavailableError(this.id, "deregister", error);
    }
  }

  /** Closes the provider, as close(): `await using provider = new …`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Stops advertising and closes the provider's own connection (never one passed in `connection`); idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    const registered = this.#self !== undefined;
    this.#self = undefined;
    const opened = await this.#connecting?.catch(() => undefined);
    this.#connecting = undefined;
    if (opened === undefined) return;
    // Withdrawing is best effort: without it the node still vanishes, with its connection or its TTL.
    if (registered && !opened.nc.isClosed()) await opened.advertiser.withdraw().catch(() => undefined);
    opened.advertiser.abandon();
    if (this.#options.connection === undefined) await opened.nc.close().catch(() => undefined);
  }

  async #advertiser(operation: string): Promise<Advertiser> {
    const connecting = (this.#connecting ??= this.#open());
    let opened: { nc: NatsConnection; advertiser: Advertiser };
    try {
      opened = await connecting;
    } catch (error) {
      if (this.#connecting === connecting) this.#connecting = undefined;
      throw new DiscoveryUnavailableError(this.id, operation, error);
    }
    if (!opened.nc.isClosed()) return opened.advertiser;
    if (this.#options.connection !== undefined) {
      throw new DiscoveryUnavailableError(this.id, operation, new Error("the connection passed as options.connection is closed"));
    }
    // Our own connection only closes for good on a fatal error (bad credentials, say): dial afresh and advertise again.
    opened.advertiser.abandon();
    if (this.#connecting === connecting) this.#connecting = undefined;
    const fresh = await this.#advertiser(operation);
    if (this.#self !== undefined) await fresh.advertise(this.#self).catch(() => undefined);
    return fresh;
  }

  async #open(): Promise<{ nc: NatsConnection; advertiser: Advertiser }> {
    const nc = this.#options.connection ?? (await this.#dial());
    const { mode, subject, timeoutMs, connectTimeoutMs, bucket, ttlMs } = this.#options;
    const advertiser =
      mode === "kv"
        ? new KvAdvertiser(nc, bucket, ttlMs, connectTimeoutMs)
        : new RequestReplyAdvertiser(nc, subject, timeoutMs, connectTimeoutMs);
    return { nc, advertiser };
  }

  #dial(): Promise<NatsConnection> {
    const { servers, connectTimeoutMs, reconnectWaitMs, connectionOptions } = this.#options;
    return connect({
      ...connectionOptions,
      ...(servers === undefined ? {} : { servers }),
      timeout: connectTimeoutMs,
      reconnect: true,
      // Discovery must outlive any server outage; the cluster keeps calling discoverPeers until it comes back.
      maxReconnectAttempts: -1,
      reconnectTimeWait: reconnectWaitMs,
    });
  }

  #ensureOpen(operation: string): void {
    if (this.#closing !== undefined) throw new ProviderClosedError(this.id, operation);
  }
}
