import type { Plugin } from "@tsakt/actor";
import type { PluginHost } from "@tsakt/actor/internal";

/** A datacenter as clusterOf(system).datacenters() lists it (the view of @tsakt/multidc's plugin on this node). */
export interface ClusterDatacenter {
  /** The datacenter's name. */
  readonly name: string;
  /** Its labels (region, zone, …). */
  readonly labels: Readonly<Record<string, string>>;
  /** Its actor system name. */
  readonly system: string;
  /** Remoting endpoints ("host:port") of its gateway nodes. */
  readonly endpoints: readonly string[];
  /** REGISTERED, ACTIVE, DRAINING or INACTIVE, as this node sees it. */
  readonly state: string;
  /** The writer's clock at its last heartbeat (epoch ms). */
  readonly heartbeatAtMs: number;
  /** True for this node's own datacenter. */
  readonly local: boolean;
}

/** The datacenters the multi-datacenter plugin ("multidc") of `host` sees; [] without that plugin. */
export function datacentersOf(host: PluginHost | undefined): ClusterDatacenter[] {
  return host?.plugin<Plugin & { datacenters(): ClusterDatacenter[] }>("multidc")?.datacenters() ?? [];
}
