import { cloneNode, type DiscoveryNode } from "@tsakt/discovery";

/** Peers seen on the network, each valid until its announced TTL runs out. */
export class PeerCache {
  readonly #entries = new Map<string, { node: DiscoveryNode; expiresAt: number }>();

  /** Records a sighting; a TTL of 0 is a goodbye and removes the peer at once. */
  apply(node: DiscoveryNode, ttlSeconds: number, now: number): void {
    if (ttlSeconds <= 0) this.#entries.delete(node.name);
    else this.#entries.set(node.name, { node: cloneNode(node), expiresAt: now + ttlSeconds * 1000 });
  }

  /** Drops expired peers and returns copies of the rest, in the order they were first seen. */
  live(now: number): DiscoveryNode[] {
    const nodes: DiscoveryNode[] = [];
    for (const [name, entry] of this.#entries) {
      if (entry.expiresAt <= now) this.#entries.delete(name);
      else nodes.push(cloneNode(entry.node));
    }
    return nodes;
  }

  /** Forgets every peer. */
  clear(): void {
    this.#entries.clear();
  }
}
