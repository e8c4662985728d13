import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import type { ActorSystem, AskOptions, Logger, PID, Schedule } from "@tsakt/actor";
import type { GrainRef } from "./grain-ref.js";
import type { GrainIdentity } from "./identity.js";

/**
 * A grain: a virtual actor addressed by kind and id. It is activated from its kind's factory on its first message
 * and deactivated when idle; each hook may be sync or async. `S` is the type of its persistent state (`ctx.state`),
 * for a kind with a `state` option.
 */
export interface Grain<S = unknown> {
  /** Runs once per activation before any message, after the state was loaded; a throw fails the callers with GrainActivationError. */
  onActivate?(ctx: GrainContext<S>): void | Promise<void>;
  /** Handles one message; a throw rejects the caller's ask with that error and keeps the grain active. */
  onReceive(ctx: GrainReceiveContext<S>): void | Promise<void>;
  /** Runs once when the activation ends (idle, or the system stops), after its timers were cleared. */
  onDeactivate?(ctx: GrainContext<S>): void | Promise<void>;
}

/** Makes a fresh grain instance for an activation of `identity`. */
export type GrainFactory<S = unknown> = (identity: GrainIdentity) => Grain<S>;

/** A timer of a grain: a Schedule of the system's scheduler that delivers its message to the grain. */
export type GrainTimer = Schedule;

/** Timers owned by one activation: their messages reach onReceive, and all are cancelled on deactivation. */
export interface GrainTimers {
  /** Delivers `message` to this grain once, after `delayMs` (>= 0). */
  once(delayMs: number, message: unknown): GrainTimer;
  /** Delivers `message` to this grain every `intervalMs` (> 0), first after `initialDelayMs`. Default initialDelayMs: the interval. */
  every(intervalMs: number, message: unknown, options?: { initialDelayMs?: number }): GrainTimer;
  /** Cancels every timer of this activation. */
  cancelAll(): void;
}

/** What a grain sees in every hook; `S` is the type of its persistent state. */
export interface GrainContext<S = unknown> {
  /** This grain's kind and id. */
  readonly identity: GrainIdentity;
  /** A handle on this grain (the same as grainOf returns); also the sender of what the grain tells. */
  readonly self: GrainRef;
  /** The actor system the grain runs in, for grainOf and actorOf. */
  readonly system: ActorSystem;
  /** The system's logger. */
  readonly logger: Logger;
  /** This activation's timers, cleared on deactivation. */
  readonly timers: GrainTimers;
  /**
   * The persistent state, loaded before onActivate (the kind's initial state when none is stored). Change it, or
   * assign a new value, then `await writeState()`. Throws InvalidOptionError for a kind without a `state` option.
   */
  state: S;
  /**
   * Saves `state`, expecting the version it was loaded or last saved at. Rejects with GrainStateConflictError when
   * another activation saved first (this activation is stale: it deactivates, and the next call activates the grain
   * again with the stored state), or with the store's error (StoreUnavailableError: the outcome is unknown; the next
   * write first checks whether it was stored).
   */
  writeState(): Promise<void>;
  /** Deletes the stored state; `state` becomes the initial state. Rejects like writeState. */
  clearState(): Promise<void>;
  /** Loads the stored state again, replacing `state` (changes not written are lost). */
  readState(): Promise<void>;
}

/** What a grain sees while handling one message. */
export interface GrainReceiveContext<S = unknown> extends GrainContext<S> {
  /** The message being handled. */
  readonly message: unknown;
  /** Who sent it, when known (an asker's temporary reference for ask); undefined for timer messages. */
  readonly sender: PID | undefined;
  /** True when the message is of `schema` (narrowing ctx.message). */
  is<D extends DescMessage>(schema: D): this is GrainReceiveContext<S> & { readonly message: MessageShape<D> };
  /** Replies to the sender (completes an ask); a dead letter when there is no sender. */
  respond(message: unknown): void;
  /** Sends `message` to `to` with this grain as the sender. */
  tell(to: PID, message: unknown): boolean;
  /** Asks `to`; in a non-reentrant grain, awaiting it holds this grain's other messages until the reply. */
  ask<R = unknown>(to: PID, message: unknown, options?: AskOptions): Promise<R>;
}
