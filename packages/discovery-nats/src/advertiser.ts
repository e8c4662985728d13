import type { DiscoveryNode } from "@tsakt/discovery";

/** How one mode advertises a node over an open connection and lists the advertised nodes. */
export interface Advertiser {
  /** Starts advertising `node`, replacing the node advertised before; resolves once others can see it. */
  advertise(node: DiscoveryNode): Promise<void>;
  /** Stops advertising; resolves at once when nothing is advertised. */
  withdraw(): Promise<void>;
  /** Every node currently advertised, keyed by name, this provider's own included. */
  list(): Promise<Map<string, DiscoveryNode>>;
  /** Stops timers and subscriptions without touching the backend, for a connection that is gone. */
  abandon(): void;
}
