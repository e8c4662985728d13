import {
  type DiscoveryNode,
  type DiscoveryProvider,
  DiscoveryUnavailableError,
  InvalidConfigError,
  ProviderClosedError,
  validateNode,
} from "@tsakt/discovery";
import { Etcd3, type Lease } from "etcd3";
import { decodeNode, encodeNode } from "./node-json.js";
import { type EtcdDiscoveryOptions, type ResolvedEtcdOptions, resolveEtcdOptions } from "./options.js";

/** Discovery with etcd: each node is the key "<prefix>/<name>" on a lease kept alive while it runs, and granted anew if lost. */
export class EtcdDiscoveryProvider implements DiscoveryProvider {
  /** Always "etcd". */
  readonly id = "etcd";
  readonly #options: ResolvedEtcdOptions;
  readonly #client: Etcd3;
  readonly #ownsClient: boolean;
  #self: DiscoveryNode | undefined;
  #lease: Lease | undefined;
  // Every register, deregister and close starts a new generation; lease work of an older one undoes itself.
  #generation = 0;
  readonly #wakers = new Set<() => void>();
  readonly #inflight = new Set<Promise<unknown>>();
  #closing: Promise<void> | undefined;

  /** Checks the options (throwing InvalidConfigError); the client connects on the first call. */
  constructor(options: EtcdDiscoveryOptions) {
    this.#options = resolveEtcdOptions(options);
    const { client, endpoints, dialTimeoutMs, clientOptions } = this.#options;
    this.#ownsClient = client === undefined;
    this.#client = client ?? createClient({ ...clientOptions, hosts: endpoints ?? [], dialTimeout: dialTimeoutMs });
  }

  /** Grants a lease, puts `self` under it and keeps it alive; replaces a node registered earlier by this provider. */
  async register(self: DiscoveryNode): Promise<void> {
    this.#ensureOpen("register");
    const node = validateNode(self);
    try {
      await this.#track(this.#advertise(node, this.#nextGeneration()));
    } catch (error) {
      if (error instanceof ProviderClosedError) throw error;
      throw new DiscoveryUnavailableError(this.id, "register", error);
    }
  }

  /** Lists the nodes stored under the prefix, self excluded; values that are not valid nodes are skipped. */
  async discoverPeers(): Promise<DiscoveryNode[]> {
    this.#ensureOpen("discoverPeers");
    let values: Record<string, string>;
    try {
      values = await this.#client.getAll().prefix(`${this.#options.prefix}/`).options(this.#callOptions()).strings();
    } catch (error) {
      throw new DiscoveryUnavailableError(this.id, "discoverPeers", error);
    }
    const peers = new Map<string, DiscoveryNode>();
    for (const text of Object.values(values)) {
      const node = decodeNode(text);
      if (node !== undefined && node.name !== this.#self?.name) peers.set(node.name, node);
    }
    return [...peers.values()];
  }

  /** Revokes the lease, which deletes the node's key; a no-op when nothing is registered. */
  async deregister(): Promise<void> {
    this.#ensureOpen("deregister");
    const lease = this.#forget();
    if (lease === undefined) return;
    try {
      await lease.revoke(this.#callOptions());
    } catch (error) {
      // Keep-alives have stopped either way, so the key still goes away once its TTL runs out.
      throw new DiscoveryUnavailableError(this.id, "deregister", error);
    }
  }

  /** Closes the provider, as close(): `await using provider = new …`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Revokes the lease (best effort; the key expires with its TTL otherwise) and closes the provider's own client; idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    const lease = this.#forget();
    await Promise.allSettled([...this.#inflight]);
    await lease?.revoke(this.#callOptions()).catch(() => undefined);
    if (this.#ownsClient) this.#client.close();
  }

  async #advertise(node: DiscoveryNode, generation: number): Promise<void> {
    const lease = this.#client.lease(this.#options.ttlSeconds, this.#callOptions());
    lease.on("lost", () => this.#leaseLost(lease));
    try {
      await lease.grant();
      await lease.put(this.#key(node.name)).value(encodeNode(node)).options(this.#callOptions());
    } catch (error) {
      await lease.revoke(this.#callOptions()).catch(() => undefined);
      throw error;
    }
    if (generation !== this.#generation) {
      await lease.revoke(this.#callOptions()).catch(() => undefined);
      if (this.#closing !== undefined) throw new ProviderClosedError(this.id, "register");
      return;
    }
    const previous = this.#lease;
    this.#lease = lease;
    this.#self = node;
    // The key now belongs to the new lease, so revoking the old one only removes a key under an old name.
    if (previous !== undefined) void previous.revoke(this.#callOptions()).catch(() => undefined);
  }

  #leaseLost(lease: Lease): void {
    if (lease !== this.#lease || this.#closing !== undefined) return;
    this.#lease = undefined;
    const node = this.#self;
    if (node !== undefined) void this.#track(this.#readvertise(node, this.#generation));
  }

  // Retries until etcd grants a lease again or a register, deregister or close supersedes this generation.
  async #readvertise(node: DiscoveryNode, generation: number): Promise<void> {
    const maxWaitMs = Math.max(200, (this.#options.ttlSeconds * 1000) / 3);
    let waitMs = 100;
    while (generation === this.#generation) {
      try {
        await this.#advertise(node, generation);
        return;
      } catch {
        await this.#sleep(waitMs);
        waitMs = Math.min(waitMs * 2, maxWaitMs);
      }
    }
  }

  #forget(): Lease | undefined {
    this.#nextGeneration();
    const lease = this.#lease;
    this.#lease = undefined;
    this.#self = undefined;
    return lease;
  }

  #nextGeneration(): number {
    this.#generation += 1;
    for (const wake of [...this.#wakers]) wake();
    return this.#generation;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#wakers.add(wake);
    });
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#inflight.add(work);
    const untrack = (): void => {
      this.#inflight.delete(work);
    };
    work.then(untrack, untrack);
    return work;
  }

  #key(name: string): string {
    return `${this.#options.prefix}/${name}`;
  }

  #callOptions(): { deadline: number } {
    return { deadline: Date.now() + this.#options.requestTimeoutMs };
  }

  #ensureOpen(operation: string): void {
    if (this.#closing !== undefined) throw new ProviderClosedError(this.id, operation);
  }
}

function createClient(options: ConstructorParameters<typeof Etcd3>[0]): Etcd3 {
  try {
    return new Etcd3(options);
  } catch (error) {
    throw new InvalidConfigError(
      "endpoints",
      `were rejected by the etcd client: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}
