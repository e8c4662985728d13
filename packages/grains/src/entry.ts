import type { PID } from "@tsakt/actor";
import { type HandleActivation, type HandleEntry, INACTIVE } from "./entry-state.js";
import type { GrainRef } from "./grain-ref.js";
import type { GrainKind } from "./kind.js";

/**
 * One activation of an identity: counters the handles, the activation's actor and the manager's idle sweep share.
 * They are plain fields because all three run on the same thread and none of them awaits between read and write.
 * The activation's actor (GrainActivationActor) extends it, so an activation is one object, not two.
 */
export class Activation implements HandleActivation {
  /** The activation's actor; set by the manager right after spawning it. */
  cell!: PID;
  /** False once the actor began stopping: timers stop delivering. */
  live = true;
  /** Messages put in the actor's mailbox and not yet started. */
  outstanding = 0;
  /** onReceive calls running (several at once only in a reentrant grain). */
  inFlight = 0;
  /** A message was handled since the last sweep. */
  touched = true;
  /** Time without messages, summed by the sweep. */
  idleFor = 0;
  /**
   * Set when onActivate (or the state load, or the factory) failed, before the actor stops: the actor's Terminated
   * overtakes its ActivationOutcome in the manager's mailbox (system messages first), so the manager reads it here.
   */
  failure: { readonly error: unknown } | undefined = undefined;

  constructor(
    readonly entry: GrainEntry,
    /** Which activation attempt of the runtime this is (unique, so stale notices can be told apart). */
    readonly attempt: number,
  ) {}
}

/** The state of one identity on this node, kept while it is active or has messages on the way. */
export class GrainEntry implements HandleEntry {
  state = INACTIVE;
  activation: Activation | undefined = undefined;
  /** Deliveries sent to the manager and not yet handled by it; handles go through the manager until it is 0, to keep order. */
  queued = 0;
  /** [message, sender] pairs waiting for an activation. */
  pending: unknown[] | undefined = undefined;
  /** This node holds the identity in the directory. */
  claimed = false;
  /** The current activation attempt, for telling stale timeouts and claims apart. */
  attempt = 0;
  /** The node that owns the grain while the state is REMOTE. */
  owner = "";
  /** A message was forwarded since the last sweep (REMOTE entries unused for a while are dropped). */
  forwarded = true;
  /** Highest hop count of forwarded messages waiting here: above 0, the grain activates here without placement. */
  hops = 0;

  constructor(
    readonly ref: GrainRef,
    readonly kind: GrainKind,
  ) {}
}
