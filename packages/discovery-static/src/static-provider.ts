import {
  cloneNode,
  type DiscoveryNode,
  type DiscoveryProvider,
  InvalidConfigError,
  ProviderClosedError,
  parseHostPort,
  validateNode,
} from "@tsakt/discovery";

/** Options of StaticDiscoveryProvider. */
export interface StaticDiscoveryOptions {
  /** Every node of the cluster, as "host:port" strings (the name becomes "host:port", IPv6 hosts in brackets) or full nodes; the registered node is filtered out, so every node can share one list. Required; may be empty. */
  peers: ReadonlyArray<string | DiscoveryNode>;
}

/** Discovery from a fixed list of peers, for clusters whose addresses are known up front; nothing is advertised anywhere. */
export class StaticDiscoveryProvider implements DiscoveryProvider {
  /** Always "static". */
  readonly id = "static";
  readonly #peers: DiscoveryNode[];
  #self: DiscoveryNode | undefined;
  #closed = false;

  constructor(options: StaticDiscoveryOptions) {
    this.#peers = parsePeers((options as Partial<StaticDiscoveryOptions> | undefined)?.peers);
  }

  /** Remembers `self` so it is left out of the peers; advertises nothing since the list is fixed. */
  async register(self: DiscoveryNode): Promise<void> {
    this.#ensureOpen("register");
    this.#self = validateNode(self);
  }

  /** Returns the configured peers minus the node registered last (matched by name, or by host and port). */
  async discoverPeers(): Promise<DiscoveryNode[]> {
    this.#ensureOpen("discoverPeers");
    const self = this.#self;
    return this.#peers.filter((peer) => self === undefined || !isSameNode(peer, self)).map(cloneNode);
  }

  /** Does nothing beyond the closed check: the other nodes' lists are fixed by their own config; the node stays filtered out of its own view. */
  async deregister(): Promise<void> {
    this.#ensureOpen("deregister");
  }

  /** Closes the provider, as close(): `await using provider = new …`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Marks the provider closed; idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
  }

  #ensureOpen(operation: string): void {
    if (this.#closed) throw new ProviderClosedError(this.id, operation);
  }
}

function parsePeers(peers: unknown): DiscoveryNode[] {
  if (!Array.isArray(peers)) throw new InvalidConfigError("peers", 'must be an array of "host:port" strings or { name, host, port } nodes');
  const seen = new Map<string, number>();
  return peers.map((entry: unknown, i) => {
    const field = `peers[${i}]`;
    const node = typeof entry === "string" ? fromHostPort(entry, field) : validateNode(entry, field);
    const earlier = seen.get(node.name);
    if (earlier !== undefined)
      throw new InvalidConfigError(field, `repeats the node name "${node.name}" of peers[${earlier}]; names must be unique`);
    seen.set(node.name, i);
    return node;
  });
}

function fromHostPort(text: string, field: string): DiscoveryNode {
  const { host, port } = parseHostPort(text, field);
  return { name: host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`, host, port };
}

// Host names are compared without resolving them: resolving would make discovery depend on DNS at call time.
function isSameNode(peer: DiscoveryNode, self: DiscoveryNode): boolean {
  return peer.name === self.name || (peer.port === self.port && peer.host.toLowerCase() === self.host.toLowerCase());
}
