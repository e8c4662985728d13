/** A node as discovery knows it: where its TsAkt remoting port listens. */
export interface DiscoveryNode {
  /** Unique node name within the cluster. */
  name: string;
  /** Host or IP the node's remoting port listens on. */
  host: string;
  /** The node's remoting port. */
  port: number;
  /** Roles the node plays, for placement by role. Default: none. */
  roles?: string[];
  /** Free-form metadata carried with the node. Default: none. */
  meta?: Record<string, string>;
}

/** The small contract every discovery backend implements; plain data in and out. */
export interface DiscoveryProvider {
  /** Short backend id: "nats", "consul", "etcd", "k8s", "mdns", "static", "memory", … */
  readonly id: string;
  /** Initializes the backend and advertises `self` to the other nodes. */
  register(self: DiscoveryNode): Promise<void>;
  /** Returns the peers currently advertised, never including the registered node itself. */
  discoverPeers(): Promise<DiscoveryNode[]>;
  /** Stops advertising the registered node; the provider stays usable for discoverPeers. */
  deregister(): Promise<void>;
  /** Releases connections and timers; idempotent. */
  close(): Promise<void>;
}
