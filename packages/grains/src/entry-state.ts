import type { PID } from "@tsakt/actor";
import type { GrainIdentity } from "./identity.js";

/** No activation; the next message starts one. */
export const INACTIVE = 0;
/** Claiming the identity or running onActivate; messages wait in `pending`. */
export const ACTIVATING = 1;
/** Running; handles send straight to the activation's actor. */
export const ACTIVE = 2;
/** Being stopped; messages wait in `pending` for the next activation. */
export const DEACTIVATING = 3;
/** Dropped from the table; a handle holding it looks the identity up again. */
export const REMOVED = 4;
/** Active on another node (`owner`); messages are forwarded there. */
export const REMOTE = 5;

/** The part of a running activation that a handle touches (Activation implements it). */
export interface HandleActivation {
  /** The activation's actor. */
  readonly cell: PID;
  /** Messages put in the actor's mailbox and not yet started. */
  outstanding: number;
}

/**
 * The part of an identity's entry that a handle reads to send straight to the active grain, or to the node that
 * owns it, without going through the manager (GrainEntry implements it; only the manager changes the state).
 */
export interface HandleEntry {
  /** One of the states above. */
  readonly state: number;
  /** Deliveries still with the manager; a handle goes through the manager too until it is 0, to keep order. */
  readonly queued: number;
  /** The running activation, when there is one. */
  readonly activation: HandleActivation | undefined;
  /** The node that owns the grain while the state is REMOTE. */
  readonly owner: string;
  /** Set when a message is forwarded (REMOTE entries unused for a while are dropped). */
  forwarded: boolean;
  /** The handle the entry was made for; its identity is what is forwarded. */
  readonly ref: { readonly identity: GrainIdentity };
}
