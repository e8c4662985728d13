import { type DiscoveryNode, type DiscoveryProvider, DiscoveryUnavailableError, ProviderClosedError, validateNode } from "@tsakt/discovery";
import { DnsSession } from "./dns-session.js";
import { DnsQueryError } from "./errors.js";
import { type FoundPeer, lookupDnsSd, lookupSrv } from "./lookup.js";
import { canonicalName, type DnsSdDiscoveryOptions, type ResolvedDnsSdOptions, resolveDnsSdOptions } from "./options.js";

/**
 * Discovery from DNS: SRV records (as a Kubernetes headless service publishes them) or RFC 6763 DNS-SD (PTR, SRV, TXT).
 * DNS is read-only here: whoever owns the zone publishes the nodes, so register() only remembers which node to leave out.
 */
export class DnsSdDiscoveryProvider implements DiscoveryProvider, AsyncDisposable {
  /** Always "dnssd". */
  readonly id = "dnssd";
  readonly #options: ResolvedDnsSdOptions;
  readonly #sessions = new Set<DnsSession>();
  #self: DiscoveryNode | undefined;
  #closed = false;

  constructor(options: DnsSdDiscoveryOptions) {
    this.#options = resolveDnsSdOptions(options);
  }

  /** Validates and remembers `self` so discoverPeers leaves it out; publishes nothing, since the zone's owner publishes the records. */
  async register(self: DiscoveryNode): Promise<void> {
    this.#ensureOpen("register");
    this.#self = validateNode(self);
  }

  /**
   * Queries DNS afresh and returns the nodes found, minus the registered node (matched by name, or by port and host or
   * SRV target). A name that does not exist gives []; an unreachable or failing DNS server, or timeoutMs running out,
   * rejects with DiscoveryUnavailableError whose `cause` is a DnsQueryError, so the caller keeps its last view.
   */
  async discoverPeers(): Promise<DiscoveryNode[]> {
    this.#ensureOpen("discoverPeers");
    const session = new DnsSession(this.#options);
    this.#sessions.add(session);
    try {
      const found = this.#options.mode === "srv" ? await lookupSrv(session, this.#options) : await lookupDnsSd(session, this.#options);
      const self = this.#self;
      const names = new Set<string>();
      const peers: DiscoveryNode[] = [];
      for (const peer of found) {
        if ((self !== undefined && isSelf(peer, self)) || names.has(peer.name)) continue;
        names.add(peer.name);
        peers.push(toNode(peer));
      }
      return peers;
    } catch (error) {
      if (session.ended === "closed") throw new ProviderClosedError(this.id, "discoverPeers");
      if (error instanceof DnsQueryError) throw new DiscoveryUnavailableError(this.id, "discoverPeers", error);
      throw error;
    } finally {
      session.finish();
      this.#sessions.delete(session);
    }
  }

  /** Changes nothing in DNS (the zone's owner withdraws the records); the node keeps leaving itself out of its own view. */
  async deregister(): Promise<void> {
    this.#ensureOpen("deregister");
  }

  /** Cancels the queries in flight (their discoverPeers calls reject with ProviderClosedError) and marks the provider closed; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const session of this.#sessions) session.cancel("closed");
    this.#sessions.clear();
  }

  /** Same as close(), for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #ensureOpen(operation: string): void {
    if (this.#closed) throw new ProviderClosedError(this.id, operation);
  }
}

// Host names are compared as DNS compares them (case-insensitive, trailing dot ignored), never resolved.
function isSelf(peer: FoundPeer, self: DiscoveryNode): boolean {
  if (peer.name === self.name) return true;
  if (peer.port !== self.port) return false;
  const host = canonicalName(self.host);
  return canonicalName(peer.host) === host || peer.target === host;
}

function toNode(peer: FoundPeer): DiscoveryNode {
  const node: DiscoveryNode = { name: peer.name, host: peer.host, port: peer.port };
  if (peer.roles !== undefined) node.roles = [...peer.roles];
  if (peer.meta !== undefined) node.meta = { ...peer.meta };
  return node;
}
