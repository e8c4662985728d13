import type { Actor, ActorFactory, Behavior } from "../actor.js";
import type { TimerHandle } from "../clock.js";
import type { ActorContext } from "../context.js";
import type { Schedulable } from "../dispatcher.js";
import type { Mailbox } from "../mailbox/mailbox.js";
import type { Passivatable } from "../passivation.js";
import type { PID } from "../pid.js";
import type { Runtime } from "../runtime.js";
import type { SpawnOptions } from "../spawn-options.js";
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
  /** Who is told when this actor terminates: one PID, or a Set once there are two or more. */
  watchers: PID | Set<PID> | undefined = undefined;
  watching: Set<PID> | undefined = undefined;
  stash: unknown[] | undefined = undefined;
  front: unknown[] | undefined = undefined;
  frontIndex = 0;
  /** System notices (Terminated) queued ahead of front and mailbox mail; created on the first one. */
  system: Mailbox | undefined = undefined;
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

/** Marks ActorCell's prototype, so isCell() tells a local cell from other PIDs without importing cell.ts. */
export const cellBrand: unique symbol = Symbol("tsakt.cell");

/** True when `pid` is a local actor cell. */
export function isCell(pid: PID): pid is CellState {
  return (pid as Partial<Pick<CellState, typeof cellBrand>>)[cellBrand] === true;
}

/**
 * An actor cell as the modules in src/cell see it: its fields and the operations its parts call on each other.
 * ActorCell (cell.ts: sending and turns) is the one implementation and declares every field, so all cells share one
 * hidden class and reach a field without going through a base class; the cold parts (lifecycle, fault-handling,
 * death-watch, reentrancy, behaviors-stash, passivation) are plain functions over this interface, so none of them
 * imports cell.ts.
 */
export interface CellState extends PID, Schedulable, Supervisee {
  readonly [cellBrand]: true;
  readonly runtime: Runtime;
  readonly parentCell: CellState | undefined;
  /** The factory, or for a function actor its receive function. */
  readonly factory: ActorFactory | Behavior;
  readonly options: SpawnOptions | undefined;
  readonly funcActor: boolean;
  /** An async turn, preStart or restart is in flight; nothing else runs until it settles. */
  busy: boolean;
  /** One of the state constants above. */
  state: number;
  postStartDue: boolean;
  actor: Actor;
  behavior: Behavior | undefined;
  ctx: ActorContext;
  ext: Extras | undefined;
  readonly mailbox: Mailbox;
  /** The root, /user and /system: they parent actors but are not counted or supervised as actors. */
  readonly isGuardian: boolean;
  /** The extras, created on first use. */
  extras(): Extras;
  /** Rejects the sender's ask, if any, and records a dead letter. */
  undeliverable(message: unknown, sender: PID | undefined, reason: string): void;
  /** Queues a notice (Terminated) past any capacity; it must not be lost. */
  deliverNotice(message: unknown, sender: PID): void;
  /** True when the cell has something to run: PostStart, a continuation, front (unstashed) mail or mailbox mail. */
  hasWork(): boolean;
  /** True when passivating now loses nothing: running, no turn in flight, nothing queued. */
  isIdle(): boolean;
  /** An async turn, start or restart finished: stop if asked to, else carry on with the mail. */
  settle(): void;
  /** A failure was handled: stop if asked to, else carry on with the mail. */
  afterFailure(): void;
  /** Passivates an idle actor now (see cell/passivation). */
  passivate(): void;
  childNamed(name: string): CellState | undefined;
  childCells(): CellState[];
  supervisingParent(): CellState | undefined;
  restartRecord(): Extras;
}
