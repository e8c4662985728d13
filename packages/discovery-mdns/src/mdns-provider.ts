import { type DiscoveryNode, type DiscoveryProvider, DiscoveryUnavailableError, ProviderClosedError } from "@tsakt/discovery";
import makeMdns from "multicast-dns";
import { type MdnsDiscoveryOptions, type ResolvedMdnsOptions, resolveMdnsOptions } from "./options.js";
import { PeerCache } from "./peer-cache.js";
import { answersFor, type MdnsRecord, nodeRecords, parseResponse, validateMdnsNode } from "./records.js";

type Mdns = makeMdns.MulticastDNS;

/** Discovery over multicast DNS (DNS-SD records under one service type): no server, for nodes on one network segment. */
export class MdnsDiscoveryProvider implements DiscoveryProvider {
  /** Always "mdns". */
  readonly id = "mdns";
  readonly #options: ResolvedMdnsOptions;
  readonly #cache = new PeerCache();
  #mdns: Mdns | undefined;
  #starting: Promise<Mdns> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #self: DiscoveryNode | undefined;
  #failure: Error | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: MdnsDiscoveryOptions = {}) {
    this.#options = resolveMdnsOptions(options);
  }

  /** Joins the group, announces `self` (a goodbye first if a different node was registered) and queries for peers. */
  async register(self: DiscoveryNode): Promise<void> {
    this.#ensureOpen("register");
    const node = validateMdnsNode(self);
    const mdns = await this.#start("register");
    const previous = this.#self;
    this.#self = node;
    if (previous !== undefined && previous.name !== node.name) await this.#announce(mdns, previous, 0, "register");
    await this.#announce(mdns, node, this.#options.ttlSeconds, "register");
    await this.#query(mdns, "register");
  }

  /** Returns the peers whose records are still within their TTL, the registered node excluded. */
  async discoverPeers(): Promise<DiscoveryNode[]> {
    this.#ensureOpen("discoverPeers");
    await this.#start("discoverPeers");
    const selfName = this.#self?.name;
    return this.#cache.live(Date.now()).filter((n) => n.name !== selfName);
  }

  /** Sends a goodbye (TTL 0) so peers drop this node now, and stops answering queries; a no-op when nothing is registered. */
  async deregister(): Promise<void> {
    this.#ensureOpen("deregister");
    const self = this.#self;
    if (self === undefined) return;
    this.#self = undefined;
    if (this.#mdns !== undefined) await this.#announce(this.#mdns, self, 0, "deregister");
  }

  /** Closes the provider, as close(): `await using provider = new …`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Says goodbye if still registered, stops querying and closes the socket unless it was passed in; idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    clearInterval(this.#timer);
    const self = this.#self;
    this.#self = undefined;
    const mdns = await this.#starting?.catch(() => undefined);
    if (mdns === undefined) return;
    if (self !== undefined && this.#failure === undefined) await this.#announce(mdns, self, 0, "close").catch(() => undefined);
    await this.#detach(mdns);
    this.#cache.clear();
  }

  #start(operation: string): Promise<Mdns> {
    this.#starting ??= this.#open().catch((error: unknown) => {
      this.#starting = undefined;
      throw error;
    });
    return this.#starting.then(
      (mdns) => {
        this.#ensureOpen(operation);
        if (this.#failure !== undefined) throw new DiscoveryUnavailableError(this.id, operation, this.#failure);
        return mdns;
      },
      (error: unknown) => {
        throw new DiscoveryUnavailableError(this.id, operation, error);
      },
    );
  }

  async #open(): Promise<Mdns> {
    const owned = this.#options.mdns === undefined;
    const mdns = this.#options.mdns ?? makeMdns(this.#options.socket);
    this.#mdns = mdns;
    mdns.on("query", this.#onQuery);
    mdns.on("response", this.#onResponse);
    mdns.on("error", this.#onError);
    mdns.on("warning", this.#onWarning);
    if (owned) {
      try {
        await new Promise<void>((resolve, reject) => {
          mdns.once("ready", resolve);
          mdns.once("error", reject);
        });
      } catch (error) {
        await this.#detach(mdns);
        this.#failure = undefined;
        throw error;
      }
    }
    this.#timer = setInterval(this.#onTick, this.#options.queryIntervalMs);
    // Discovery must never be the reason a process stays alive.
    this.#timer.unref();
    return mdns;
  }

  // Our own instance keeps its 'error' listener while it closes, so a late socket error never goes unhandled.
  async #detach(mdns: Mdns): Promise<void> {
    this.#mdns = undefined;
    mdns.off("query", this.#onQuery);
    mdns.off("response", this.#onResponse);
    mdns.off("warning", this.#onWarning);
    if (this.#options.mdns !== undefined) {
      mdns.off("error", this.#onError);
      return;
    }
    await new Promise<void>((resolve) => mdns.destroy(resolve));
  }

  readonly #onQuery = (query: makeMdns.QueryPacket): void => {
    const self = this.#self;
    if (self === undefined || this.#mdns === undefined) return;
    const reply = answersFor(query.questions ?? [], this.#records(self, this.#options.ttlSeconds));
    if (reply !== undefined) this.#mdns.respond({ answers: reply.answers, additionals: reply.additionals }, this.#onSent);
  };

  readonly #onResponse = (response: makeMdns.ResponsePacket): void => {
    const now = Date.now();
    const selfName = this.#self?.name;
    for (const { node, ttlSeconds } of parseResponse(response, this.#options.serviceName)) {
      if (node.name !== selfName) this.#cache.apply(node, ttlSeconds, now);
    }
  };

  // multicast-dns reports only bind failures (EACCES, EADDRINUSE) as 'error': the socket is unusable after one.
  readonly #onError = (error: Error): void => {
    this.#failure ??= error;
  };

  // Warnings are per-packet problems (an undecodable packet, an interface without multicast); discovery carries on.
  readonly #onWarning = (): void => {};

  readonly #onSent = (): void => {};

  readonly #onTick = (): void => {
    if (this.#mdns === undefined || this.#failure !== undefined) return;
    this.#cache.live(Date.now());
    this.#mdns.query([{ name: this.#options.serviceName, type: "PTR" }], this.#onSent);
  };

  #records(node: DiscoveryNode, ttlSeconds: number): MdnsRecord[] {
    return nodeRecords(node, this.#options, ttlSeconds);
  }

  #announce(mdns: Mdns, node: DiscoveryNode, ttlSeconds: number, operation: string): Promise<void> {
    return this.#send(operation, (done) => mdns.respond({ answers: this.#records(node, ttlSeconds) }, done));
  }

  #query(mdns: Mdns, operation: string): Promise<void> {
    return this.#send(operation, (done) => mdns.query([{ name: this.#options.serviceName, type: "PTR" }], done));
  }

  #send(operation: string, send: (done: (error: Error | null) => void) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      send((error) => (error ? reject(new DiscoveryUnavailableError(this.id, operation, error)) : resolve()));
    });
  }

  #ensureOpen(operation: string): void {
    if (this.#closing !== undefined) throw new ProviderClosedError(this.id, operation);
  }
}
