import { TsaktError } from "@tsakt/actor";

/** Which replicator call could not reach its consistency. */
export type ReplicatorOperation = "update" | "get" | "delete";

/**
 * A write or read did not reach the nodes its consistency needs within its timeout. A write is applied on this node
 * all the same, and spreads to the others by gossip; a read's answer is unknown.
 */
export class ConsistencyNotMetError extends TsaktError {
  constructor(
    /** The call that failed. */
    readonly operation: ReplicatorOperation,
    /** The key it was about. */
    readonly key: string,
    /** Nodes that held the write or answered the read in time, this node included. */
    readonly reached: number,
    /** Nodes the consistency needed. */
    readonly needed: number,
    consistency: string,
    timeoutMs: number,
    cause?: unknown,
  ) {
    const outcome =
      operation === "get"
        ? "no answer was given"
        : "the change is applied on this node and spreads by gossip, so do not apply it again; retry only to wait for it";
    super(
      "ConsistencyNotMet",
      `${operation} of ${JSON.stringify(key)} reached ${reached} of the ${needed} nodes "${consistency}" needs within ${timeoutMs} ms; ${outcome} (or use a lower consistency or a longer timeoutMs)`,
      cause === undefined ? undefined : { cause },
    );
  }
}

/** The key was deleted; a deleted key stays deleted on every node and cannot be used again. */
export class KeyDeletedError extends TsaktError {
  constructor(
    /** The deleted key. */
    readonly key: string,
  ) {
    super("KeyDeleted", `the key ${JSON.stringify(key)} was deleted and cannot be used again; use another key`);
  }
}

/** A call on a replicator that is not running (before start or after stop). */
export class ReplicatorNotRunningError extends TsaktError {
  constructor(operation: string) {
    super(
      "ReplicatorNotRunning",
      `cannot ${operation}: the replicator is not running; start the system with the replicator() plugin first`,
    );
  }
}
