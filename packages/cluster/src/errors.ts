import { TsaktError } from "@tsakt/actor";

/** The cluster is not running on this node (not started yet, or stopped). */
export class ClusterNotRunningError extends TsaktError {
  constructor(operation: string) {
    super("ClusterNotRunning", `cannot ${operation}: the cluster is not running on this node; start it first (or it was stopped)`);
  }
}

/** start() was called on a Cluster that was already started (a Cluster joins once). */
export class ClusterAlreadyStartedError extends TsaktError {
  constructor() {
    super("ClusterAlreadyStarted", "this Cluster was already started; create a new Cluster (with a new transport) to join again");
  }
}

/** A cluster request got no reply in time. */
export class ClusterRequestTimeoutError extends TsaktError {
  constructor(
    /** Name of the member that did not answer. */
    readonly member: string,
    readonly timeoutMs: number,
  ) {
    super("ClusterRequestTimeout", `member "${member}" did not answer within ${timeoutMs} ms; it may be down, partitioned or overloaded`);
  }
}

/** A cluster message could not be sent: the transport is closed or knows no node at the address. */
export class ClusterUnreachableError extends TsaktError {
  constructor(
    /** Name of the member that could not be reached. */
    readonly member: string,
    reason: string,
  ) {
    super("ClusterUnreachable", `member "${member}" is unreachable: ${reason}`);
  }
}

/** A registry operation could not reach the primary (or a backup) of the key's partition after its retries. */
export class RegistryUnavailableError extends TsaktError {
  constructor(
    readonly key: string,
    readonly operation: string,
    cause?: unknown,
    /**
     * True for a write (put, remove) of which a request went unanswered: the primary may have applied it after the
     * caller stopped waiting, so read the key before writing again. Default: false.
     */
    readonly mayHaveApplied = false,
  ) {
    super(
      "RegistryUnavailable",
      mayHaveApplied
        ? `registry ${operation} of "${key}" got no answer from the owner of its partition; a request went unanswered, so it may have been applied: get the key to see, then retry once membership settles`
        : `registry ${operation} of "${key}" failed: no owner of its partition answered; retry once membership settles`,
      cause === undefined ? undefined : { cause },
    );
  }
}

/** No live member can host an actor: none has the requested role, or placement found no candidate. */
export class NoEligibleMemberError extends TsaktError {
  constructor(
    /** The role that was asked for, or "" for any member. */
    readonly role: string,
    what: string,
  ) {
    super(
      "NoEligibleMember",
      `no live member${role === "" ? "" : ` with role "${role}"`} can host ${what}; start a node${role === "" ? "" : " with that role"} or choose another role`,
    );
  }
}

/** A registry write reached fewer copies than writeQuorum; it was rolled back, so nothing of it stays applied. */
export class RegistryWriteQuorumError extends TsaktError {
  constructor(
    readonly key: string,
    readonly operation: string,
    /** Copies that stored the write (the primary's own included). */
    readonly acks: number,
    /** Copies the write quorum needs. */
    readonly needed: number,
  ) {
    super(
      "RegistryWriteQuorum",
      `registry ${operation} of "${key}" reached ${acks} of the ${needed} copies its write quorum needs and was rolled back; a replica is unreachable — retry once membership settles (the split-brain resolver removes unreachable members), or lower writeQuorum`,
    );
  }
}
