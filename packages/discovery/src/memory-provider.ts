import { InvalidConfigError, ProviderClosedError } from "./errors.js";
import { MemoryNetwork } from "./memory-network.js";
import type { DiscoveryNode, DiscoveryProvider } from "./provider.js";
import { validateNode } from "./validation.js";

/** Options of MemoryDiscoveryProvider. */
export interface MemoryDiscoveryOptions {
  /** The shared in-process network; providers on the same network see each other. Required. */
  network: MemoryNetwork;
}

/** A discovery provider for tests and single-process clusters: nodes stay advertised until deregister() or close(), with no TTL. */
export class MemoryDiscoveryProvider implements DiscoveryProvider {
  /** Always "memory". */
  readonly id = "memory";
  readonly #network: MemoryNetwork;
  readonly #unsubscribe: () => void;
  #self: DiscoveryNode | undefined;
  #closed = false;

  constructor(options: MemoryDiscoveryOptions) {
    const network = (options as Partial<MemoryDiscoveryOptions> | undefined)?.network;
    if (!(network instanceof MemoryNetwork))
      throw new InvalidConfigError("network", "must be a MemoryNetwork (create one with new MemoryNetwork() and share it)");
    this.#network = network;
    this.#unsubscribe = network.onStart(() => {
      if (this.#self !== undefined) network.advertise(this, this.#self);
    });
  }

  /** Advertises `self` on the network, replacing this provider's previous node. */
  async register(self: DiscoveryNode): Promise<void> {
    this.#ensureOpen("register");
    const node = validateNode(self);
    this.#network.advertise(this, node);
    this.#self = node;
  }

  /** Returns every node on the network except the registered one. */
  async discoverPeers(): Promise<DiscoveryNode[]> {
    this.#ensureOpen("discoverPeers");
    const selfName = this.#self?.name;
    return this.#network.nodes().filter((n) => n.name !== selfName);
  }

  /** Withdraws the registered node; a no-op when nothing is registered. */
  async deregister(): Promise<void> {
    this.#ensureOpen("deregister");
    this.#self = undefined;
    this.#network.withdraw(this);
  }

  /** Closes the provider, as close(): `await using provider = new …`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Withdraws the registered node and detaches from the network; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#self = undefined;
    this.#unsubscribe();
    this.#network.withdraw(this);
  }

  #ensureOpen(operation: string): void {
    if (this.#closed) throw new ProviderClosedError(this.id, operation);
  }
}
