import { TsaktError } from "@tsakt/actor";

/** No grain kind with this name is registered on this system. */
export class UnknownGrainKindError extends TsaktError {
  constructor(
    readonly kind: string,
    known: readonly string[],
  ) {
    super(
      "UnknownGrainKind",
      `no grain kind ${JSON.stringify(kind)} is registered (known: ${known.length === 0 ? "none" : known.join(", ")}); ` +
        "register it with grains({ kinds }) or registerGrainKind",
    );
  }
}

/** The grain's factory or onActivate threw (or the directory failed), so the grain was not activated. */
export class GrainActivationError extends TsaktError {
  constructor(
    readonly kind: string,
    readonly id: string,
    cause: unknown,
  ) {
    super("GrainActivation", `grain ${kind}/${id} failed to activate: ${messageOf(cause)}; the next call retries the activation`, {
      cause,
    });
  }
}

/** The grain's activation took longer than its kind's activationTimeoutMs; it was abandoned. */
export class GrainActivationTimeoutError extends TsaktError {
  constructor(
    readonly kind: string,
    readonly id: string,
    readonly timeoutMs: number,
  ) {
    super(
      "GrainActivationTimeout",
      `grain ${kind}/${id} did not activate within ${timeoutMs} ms; make onActivate faster or raise the kind's activationTimeoutMs (the next call retries)`,
    );
  }
}

/** The grain belongs on another node and this node has no forwarder (or the message was forwarded too often). */
export class GrainOwnedElsewhereError extends TsaktError {
  constructor(
    readonly kind: string,
    readonly id: string,
    /** The node that owns (or was chosen for) the grain. */
    readonly node: string,
  ) {
    super(
      "GrainOwnedElsewhere",
      `grain ${kind}/${id} belongs on node ${node}, not this one; reaching grains on other nodes needs a forwarder (clusterGrains from @tsakt/grains/cluster)`,
    );
  }
}

/** An error's message, or the value as text when it is not an Error. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A cluster placement found no live member (with the required role) to activate the grain on. */
export class NoGrainNodeError extends TsaktError {
  constructor(
    readonly kind: string,
    readonly id: string,
    /** The role the placement required, or undefined for any member. */
    readonly role: string | undefined,
  ) {
    super(
      "NoGrainNode",
      `no live cluster member${role === undefined ? "" : ` with role ${JSON.stringify(role)}`} can activate grain ${kind}/${id}; start one or change the placement`,
    );
  }
}

/**
 * The grain's stored state was saved by another activation since this one loaded it (a duplicate activation, for
 * example on both sides of a network partition): the store is the last fence. This activation deactivates; retry
 * the call, and the grain activates again with the stored state.
 */
export class GrainStateConflictError extends TsaktError {
  constructor(
    /** The grain's kind. */
    readonly kind: string,
    /** The grain's id. */
    readonly id: string,
    /** The store's ConcurrencyConflictError. */
    cause: unknown,
  ) {
    super(
      "GrainStateConflict",
      `grain ${kind}/${id}: another activation saved its state first (${messageOf(cause)}); this activation deactivates, ` +
        "retry the call to reach the grain with the stored state",
      { cause },
    );
  }
}
