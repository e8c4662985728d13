import type { Actor, ActorSystem, PID, ReceiveContext } from "@tsakt/actor";
import { InvalidOptionError, isTsaktError } from "@tsakt/actor";
import { GrainAsk, type GrainAsker, RetireActivation, TimerTick } from "./activation-messages.js";
import { ActivationFenced, ActivationOutcome, ActivationRetired } from "./commands.js";
import { type ActivationScope, GrainCallContext } from "./context.js";
import { Activation, type GrainEntry } from "./entry.js";
import type { GrainStateConflictError } from "./errors.js";
import type { Grain } from "./grain.js";
import type { GrainRef } from "./grain-ref.js";
import { GrainState } from "./grain-state.js";
import { ActivationTimers } from "./timers.js";

/** What an activation needs from the grains runtime (GrainRuntime implements it). */
export interface ActivationHost {
  /** The system the grain runs in. */
  readonly system: ActorSystem;
  /** The manager actor, told when onActivate finished or failed. */
  readonly manager: PID;
  /** Activations that finished onActivate, and those of them that stopped since (for metrics). */
  readonly lifetimes: { activations: number; deactivations: number };
}

/** Waiting for PostStart, the core's first message, which starts onActivate. */
const NEW = 0;
const ACTIVATING = 1;
const RUNNING = 2;
/** onActivate threw; the actor is stopping. */
const FAILED = 3;
/** Stopped while onActivate still ran (it timed out, or the system stopped); a late success is deactivated at once. */
const ABANDONED = 4;
const ENDED = 5;
/** Another activation saved the state first: messages are held for the manager until it retires this one. */
const FENCED = 6;

/**
 * The actor behind one activation of a grain: it makes the grain from its kind's factory, runs onActivate on its
 * first turn, hands messages to onReceive and runs onDeactivate when it stops. It never lets an error reach the
 * core's supervision: activation errors go to the manager, message errors to the asker.
 */
export class GrainActivationActor extends Activation implements Actor, ActivationScope {
  readonly persistent: GrainState | undefined;
  private phase = NEW;
  private grain: Grain | undefined = undefined;
  /** The core's context of this actor (one object for its whole life), for stash and stop after an async onActivate. */
  private actx: ReceiveContext | undefined = undefined;
  /** Shared by every message of a non-reentrant grain, and by onActivate and onDeactivate. */
  private readonly ctx: GrainCallContext;
  /** Set while a stop waits for a reentrant grain's running messages. */
  private drained: (() => void) | undefined = undefined;
  /** [message, sender] pairs that reached a fenced activation, for the next one; made when the first arrives. */
  private held: unknown[] | undefined = undefined;
  // What most activations never need is made on first use: an activation is made for every new identity, and what
  // it allocates up front is most of what activating costs (see docs/performance.md, "Grain activations").
  private timersOf: ActivationTimers | undefined = undefined;
  private turnDone: (() => void) | undefined = undefined;
  private turnFailed: ((error: unknown) => void) | undefined = undefined;

  constructor(
    private readonly runtime: ActivationHost,
    entry: GrainEntry,
    attempt: number,
  ) {
    super(entry, attempt);
    this.ctx = new GrainCallContext(this);
    const state = entry.kind.state;
    this.persistent =
      state === undefined
        ? undefined
        : new GrainState(state, entry.ref.identity, (error: GrainStateConflictError) => this.stateFenced(error));
  }

  /** The grain's handle. */
  get self(): GrainRef {
    return this.entry.ref;
  }

  /** The system the grain runs in. */
  get system(): ActorSystem {
    return this.runtime.system;
  }

  /** The activation's timers, made on first use. */
  get timers(): ActivationTimers {
    return (this.timersOf ??= new ActivationTimers(this.runtime.system, this, this.self.key));
  }

  receive(actx: ReceiveContext): void | Promise<void> {
    if (this.phase !== RUNNING) return this.beforeRunning(actx);
    if (this.outstanding > 0) this.outstanding--;
    let message = actx.message;
    let asker: GrainAsker | undefined;
    if (message instanceof GrainAsk) {
      asker = message.replier;
      message = message.message;
      this.touched = true;
    } else if (message instanceof TimerTick) {
      // Timer messages do not count as use: a grain kept busy only by its own timers still deactivates.
      if (message.schedule !== undefined) this.timersOf?.forget(message.schedule);
      message = message.message;
    } else {
      this.touched = true;
    }
    const reentrant = this.entry.kind.reentrant;
    const ctx = reentrant ? new GrainCallContext(this) : this.ctx;
    ctx.message = message;
    ctx.sender = actx.sender;
    ctx.asker = asker;
    this.inFlight++;
    let result: void | Promise<void>;
    try {
      result = (this.grain as Grain).onReceive(ctx);
    } catch (error) {
      this.inFlight--;
      this.receiveFailed(ctx, error);
      return;
    }
    if (!isThenable(result)) {
      this.inFlight--;
      return;
    }
    // Returning the promise makes the core hold the next message; a reentrant grain keeps it and goes on.
    if (!reentrant) {
      this.turnDone ??= () => {
        this.inFlight--;
      };
      this.turnFailed ??= (error: unknown) => {
        this.inFlight--;
        this.receiveFailed(this.ctx, error);
      };
      return result.then(this.turnDone, this.turnFailed);
    }
    result.then(
      () => this.reentrantDone(),
      (error: unknown) => {
        this.reentrantDone();
        this.receiveFailed(ctx, error);
      },
    );
  }

  postStop(): void | Promise<void> {
    this.live = false;
    this.timersOf?.cancelAll();
    if (this.phase === ACTIVATING) {
      this.phase = ABANDONED;
      return;
    }
    if (this.phase !== RUNNING && this.phase !== FENCED) return;
    this.phase = ENDED;
    this.runtime.lifetimes.deactivations++;
    if (this.inFlight > 0) return new Promise<void>((resolve) => (this.drained = resolve)).then(() => this.deactivate());
    return this.deactivate();
  }

  private beforeRunning(actx: ReceiveContext): void {
    if (this.phase === NEW) {
      this.activate(actx);
    } else if (this.phase === ACTIVATING) {
      // Only timer ticks arrive this early (calls wait with the manager); they run once onActivate is done.
      actx.stash();
    } else if (this.phase === FENCED) {
      this.hold(actx);
    } else {
      actx.unhandled();
    }
  }

  private activate(actx: ReceiveContext): void {
    this.phase = ACTIVATING;
    this.actx = actx;
    const state = this.persistent;
    if (state === undefined) {
      this.startGrain();
      return;
    }
    // The state is there before the grain is made, as in Orleans; the load counts toward activationTimeoutMs.
    state.load().then(
      () => {
        if (this.phase === ACTIVATING) this.startGrain();
        else if (this.phase === ABANDONED) this.phase = ENDED;
      },
      (error: unknown) => this.activationFailed(error),
    );
  }

  private startGrain(): void {
    let result: void | Promise<void>;
    try {
      const grain = this.entry.kind.factory(this.self.identity);
      if (typeof (grain as Partial<Grain> | undefined)?.onReceive !== "function")
        throw new InvalidOptionError(
          "factory",
          `must return a grain with an onReceive(ctx) method, got ${grain === null ? "null" : typeof grain}`,
        );
      this.grain = grain;
      result = grain.onActivate?.(this.ctx);
    } catch (error) {
      this.activationFailed(error);
      return;
    }
    // The promise is not handed to the core: an activation abandoned after its timeout must not hold up stopping.
    if (isThenable(result))
      result.then(
        () => this.activationSucceeded(),
        (error: unknown) => this.activationFailed(error),
      );
    else this.activationSucceeded();
  }

  private activationSucceeded(): void {
    if (this.phase === ABANDONED) {
      // Nobody will use this instance; onDeactivate lets it release what onActivate acquired.
      this.phase = ENDED;
      void this.deactivate();
      return;
    }
    if (this.phase !== ACTIVATING) return;
    this.phase = RUNNING;
    this.runtime.lifetimes.activations++;
    this.actx?.unstashAll();
    // The activation itself says it succeeded (one message object less per activation; a failure is an ActivationOutcome).
    this.runtime.manager.tell(this);
    // onActivate caught a conflict of its own writeState: this activation is stale already.
    if (this.persistent?.fenced !== undefined) this.retire();
  }

  /** The store fenced this activation: another one saved the grain's state first. */
  private stateFenced(error: GrainStateConflictError): void {
    this.system.logger.warn(
      { grain: this.self.key, err: error },
      "another activation saved this grain's state first; this activation deactivates",
    );
    // While activating, activationSucceeded retires it (or the activation fails anyway); once ended, it is stopping already.
    if (this.phase === RUNNING) this.retire();
  }

  /** Stops serving: the manager routes new messages aside, retires this activation, and starts the next one for them. */
  private retire(): void {
    this.phase = FENCED;
    this.timersOf?.cancelAll();
    this.runtime.manager.tell(new ActivationFenced(this));
  }

  /** A message that reached a fenced activation: kept for the next activation, until the manager's RetireActivation. */
  private hold(actx: ReceiveContext): void {
    if (this.outstanding > 0) this.outstanding--;
    const message = actx.message;
    if (message instanceof RetireActivation) {
      const held = this.held ?? [];
      this.held = undefined;
      this.runtime.manager.tell(new ActivationRetired(this, held));
    } else if (!(message instanceof TimerTick)) {
      (this.held ??= []).push(message, actx.sender);
    }
  }

  private activationFailed(error: unknown): void {
    if (this.phase === ABANDONED) {
      this.phase = ENDED;
      this.system.logger.debug({ grain: this.self.key, err: error }, "an abandoned grain activation failed after its timeout");
      return;
    }
    if (this.phase !== ACTIVATING) return;
    this.phase = FAILED;
    this.failure = { error };
    this.runtime.manager.tell(new ActivationOutcome(this, error));
    this.actx?.stop();
  }

  private reentrantDone(): void {
    this.inFlight--;
    const drained = this.drained;
    if (this.inFlight === 0 && drained !== undefined) {
      this.drained = undefined;
      drained();
    }
  }

  private receiveFailed(ctx: GrainCallContext, error: unknown): void {
    if (ctx.asker !== undefined) ctx.asker.reject(error);
    else this.system.logger.warn({ grain: this.self.key, err: error }, "grain onReceive threw; the grain stays active");
  }

  private deactivate(): void | Promise<void> {
    const grain = this.grain;
    if (grain?.onDeactivate === undefined) return;
    this.ctx.clear();
    let result: void | Promise<void>;
    try {
      result = grain.onDeactivate(this.ctx);
    } catch (error) {
      this.deactivateFailed(error);
      return;
    }
    if (isThenable(result)) return Promise.resolve(result).then(undefined, (error: unknown) => this.deactivateFailed(error));
  }

  private deactivateFailed(error: unknown): void {
    // A stale activation's last writeState is expected to fail: the other activation holds the state.
    if (isTsaktError(error, "GrainStateConflict"))
      this.system.logger.warn(
        { grain: this.self.key, err: error },
        "grain onDeactivate could not save its state: another activation saved first",
      );
    else this.system.logger.error({ grain: this.self.key, err: error }, "grain onDeactivate threw");
  }
}

/** True for a promise (or any thenable, which the hooks' `Promise<void>` return type stands for). */
function isThenable(value: unknown): value is Promise<void> {
  return value !== undefined && value !== null && typeof (value as PromiseLike<void>).then === "function";
}
