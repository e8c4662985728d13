import type { Route } from "./http.js";
import type { NodeStats, StatsSample } from "./node-view.js";
import type { ManagementMeter } from "./prometheus.js";

/** A node's numbers with its recent samples, as the live stream and /cluster/nodes carry them. */
export interface NodeSnapshot {
  readonly stats: NodeStats;
  readonly samples: StatsSample[];
  /** False when the node did not answer the last poll (its numbers are the last ones known). */
  readonly reachable: boolean;
}

/**
 * A part of the endpoint added by another entry of this package (the cluster's): its routes, a readiness condition,
 * what it adds to the live snapshot and /status, its metrics, and its share of every sampling tick.
 */
export interface ManagementSection {
  readonly routes: readonly Route[];
  /** Why the node is not ready, or undefined when this section has no objection. */
  notReady?(): string | undefined;
  /** Fields merged into the live stream's "hello" snapshot. */
  snapshot?(): Promise<Record<string, unknown>>;
  /** Fields merged into GET /status. */
  status?(): Record<string, unknown>;
  /** Adds instruments to the Prometheus meter. */
  metrics?(meter: ManagementMeter): void;
  /**
   * Called on every sampling tick with this node's snapshot; returning true means the section published the "nodes"
   * event itself (the cluster section adds the other members' numbers).
   */
  onSample?(own: NodeSnapshot): boolean;
  /** Called when the endpoint stops. */
  stop?(): void | Promise<void>;
}
