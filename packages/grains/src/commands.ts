import type { Activation, GrainEntry } from "./entry.js";

/** A message for a grain that is not active (or has earlier messages still with the manager): the manager places it. */
export class GrainDelivery {
  constructor(
    readonly entry: GrainEntry,
    /** The user's message, or a GrainAsk. */
    readonly message: unknown,
    /** How often another node forwarded it here (0 when sent on this node). */
    readonly hops = 0,
  ) {}
}

/** From an activation's actor: onActivate (or the factory, or the state load) threw `error`. Success is the Activation itself. */
export class ActivationOutcome {
  constructor(
    readonly activation: Activation,
    readonly error: unknown,
  ) {}
}

/** From an activation: another activation saved the grain's state first (the store fenced it), so it must deactivate. */
export class ActivationFenced {
  constructor(readonly activation: Activation) {}
}

/** From a fenced activation: the [message, sender] pairs that reached it after the fence, to go to the next activation. */
export class ActivationRetired {
  constructor(
    readonly activation: Activation,
    readonly held: unknown[],
  ) {}
}

/** The placement and directory answered for an activation attempt: the owning node, or an error. */
export class ClaimOutcome {
  constructor(
    readonly entry: GrainEntry,
    readonly attempt: number,
    readonly owner: string | undefined,
    readonly failed: boolean,
    readonly error: unknown,
  ) {}
}

/** The time limit of some activation attempt may have passed (see ActivationDeadlines). */
export class ActivationDeadlinesDue {}

/** Time for the manager to look for idle activations. */
export class SweepTick {}

/**
 * Stops local activations without releasing their claims: every one (this node leaves the cluster or was downed), or
 * those of `keys` (duplicates whose registry entry another node won, that node's address in `owners`). `done` runs
 * once their actors stopped.
 */
export class Relinquish {
  constructor(
    readonly keys: ReadonlySet<string> | undefined,
    readonly owners: ReadonlyMap<string, string> | undefined,
    readonly done: (stopped: string[]) => void,
  ) {}
}

/** A node left the cluster: grains it owned must be placed again. */
export class OwnerGone {
  constructor(readonly node: string) {}
}
