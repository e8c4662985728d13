import type { PID } from "@tsakt/actor";
import type { FanOutCounts } from "./metrics.js";

/**
 * Carries publications to the other nodes of a cluster; the cluster provides one, a local system uses none.
 * The mediator calls it from inside its turn, one call at a time; an error it throws is logged and ignored.
 */
export interface PubSubFanOut {
  /** This node got its first subscriber of `topic` (true) or lost its last one (false). */
  interestChanged(topic: string, interested: boolean): void;
  /** Sends a message published on this node to the other nodes subscribed to `topic`; returns how many it reached. */
  publish(topic: string, message: unknown, sender: PID | undefined): number;
  /** What it forwarded and dropped, for pub/sub's metrics; optional. */
  counts?(): FanOutCounts;
}
