import type { Actor, ActorFactory, Behavior } from "../actor.js";
import type { TimerHandle } from "../clock.js";
import type { ActorContext } from "../context.js";
import type { Schedulable } from "../dispatcher.js";
import type { Mailbox } from "../mailbox/mailbox.js";
import { createMailbox } from "../mailbox/options.js";
import type { Passivatable } from "../passivation.js";
import type { AskOptions, PID } from "../pid.js";
import type { Runtime } from "../runtime.js";
import type { SpawnOptions } from "../spawn-options.js";
import type { SupervisorOptions } from "../supervision/options.js";
import type { RestartRecord, Supervisee } from "../supervision/supervisee.js";

export const STARTING = 0;
export const RUNNING = 1;
export const SUSPENDED = 2;
export const RESTARTING = 3;
/** Instance released by passivation; the next message brings it back (only with `reactivate`). */
export const PASSIVATED = 4;
export const STOPPING = 5;
export const STOPPED = 6;

/** State most actors never need, allocated on first use so an idle actor stays small. */
export class Extras implements RestartRecord {
  children: Map<string, CellState> | undefined = undefined;
  watchers: Set<PID> | undefined = undefined;
  watching: Set<PID> | undefined = undefined;
  stash: unknown[] | undefined = undefined;
  front: unknown[] | undefined = undefined;
  frontIndex = 0;
  continuations: Array<() => void> | undefined = undefined;
  behaviors: Array<Behavior | null> | undefined = undefined;
  restarts: number[] | undefined = undefined;
  backoffTimer: TimerHandle | undefined = undefined;
  pendingRequests = 0;
  stopRequested = false;
  stopPromise: Promise<void> | undefined = undefined;
  stopResolve: (() => void) | undefined = undefined;
  onTurnDone: (() => void) | undefined = undefined;
  onTurnFailed: ((error: unknown) => void) | undefined = undefined;
  /** A one-for-all restart that arrived during an async turn, applied when the turn ends. */
  restartPending: { error: unknown } | undefined = undefined;
  /** Present while a passivatable actor is active. */
  tracker: Passivatable | undefined = undefined;
  /** Start of the async turn in flight, when metrics time messages. */
  turnStart = 0;
}

/**
 * The fields of an actor cell and the operations its parts call on each other. ActorCell (cell.ts: sending and
 * turns) is the only subclass; the cold parts (cell/lifecycle, fault-handling, death-watch, reentrancy,
 * behaviors-stash, passivation) are plain functions over this type, so every field stays on one hidden class and
 * none of those files imports cell.ts.
 */
export abstract class CellState implements PID, Schedulable, Supervisee {
  scheduled = false;
  /** An async turn, preStart or restart is in flight; nothing else runs until it settles. */
  busy = false;
  state = STARTING;
  postStartDue = false;
  actor!: Actor;
  behavior: Behavior | undefined = undefined;
  ctx!: ActorContext;
  ext: Extras | undefined = undefined;
  pathCache: string | undefined = undefined;
  readonly mailbox: Mailbox;

  constructor(
    readonly runtime: Runtime,
    readonly parentCell: CellState | undefined,
    readonly name: string,
    /** The factory, or for a function actor its receive function. */
    readonly factory: ActorFactory | Behavior,
    readonly options: SpawnOptions | undefined,
    readonly funcActor = false,
  ) {
    this.mailbox = createMailbox(options?.mailbox);
  }

  /** The root, /user and /system: they parent actors but are not counted or supervised as actors. */
  get isGuardian(): boolean {
    return this.parentCell === undefined || this.parentCell.parentCell === undefined;
  }

  get path(): string {
    return (this.pathCache ??= this.parentCell === undefined ? "" : `${this.parentCell.path}/${this.name}`);
  }

  get address(): string {
    return this.runtime.addressPrefix + this.path;
  }

  toString(): string {
    return this.address;
  }

  isAlive(): boolean {
    return this.state < STOPPING;
  }

  /** True while suspended by its supervisor. */
  isSuspended(): boolean {
    return this.state === SUSPENDED;
  }

  /** The extras, created on first use. */
  extras(): Extras {
    return (this.ext ??= new Extras());
  }

  supervisorOptions(): SupervisorOptions | undefined {
    return this.options?.supervisor ?? this.runtime.supervisor;
  }

  supervisingParent(): CellState | undefined {
    const parent = this.parentCell;
    return parent === undefined || parent.isGuardian ? undefined : parent;
  }

  restartRecord(): RestartRecord {
    return this.extras();
  }

  abstract tell(message: unknown, sender?: PID): boolean;
  abstract ask<R = unknown>(message: unknown, options?: AskOptions): Promise<R>;
  abstract send(message: unknown, sender?: PID): Promise<void>;
  abstract runTurn(budget: number): number;
  /** Rejects the sender's ask, if any, and records a dead letter. */
  abstract undeliverable(message: unknown, sender: PID | undefined, reason: string): void;
  /** Queues a notice (Terminated) past any capacity; it must not be lost. */
  abstract deliverNotice(message: unknown, sender: PID): void;
  /** True when the cell has something to run: PostStart, a continuation, front (unstashed) mail or mailbox mail. */
  abstract hasWork(): boolean;
  /** True when passivating now loses nothing: running, no turn in flight, nothing queued. */
  abstract isIdle(): boolean;
  /** An async turn, start or restart finished: stop if asked to, else carry on with the mail. */
  abstract settle(): void;
  /** A failure was handled: stop if asked to, else carry on with the mail. */
  abstract afterFailure(): void;
  /** Passivates an idle actor now (see cell/passivation). */
  abstract passivate(): void;
  abstract childNamed(name: string): CellState | undefined;
  abstract childCells(): CellState[];
  abstract fail(error: unknown, escalatedFrom?: Supervisee): void;
  abstract restart(error: unknown): void;
  abstract stop(): Promise<void>;
  abstract suspend(error: unknown): void;
  abstract pauseForEscalation(): void;
  abstract resumeAfterEscalation(): void;
  abstract pauseForBackoff(): void;
  abstract runContinuation(fn: (asTurn: boolean) => void): boolean;
}
