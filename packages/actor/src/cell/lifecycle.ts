import type { Actor, ActorFactory, Behavior } from "../actor.js";
import { ActorInitializationError } from "../errors.js";
import type { PID } from "../pid.js";
import { type CellState, PASSIVATED, RUNNING, STOPPED, STOPPING } from "./cell-state.js";
import { notifyWatchers } from "./death-watch.js";
import { track, untrack } from "./tracker.js";

const resolved: Promise<void> = Promise.resolve();

/** The instance of an actor made from a function (spawnFunc): one small object, no closure per actor. */
class FuncActor implements Actor {
  constructor(readonly receive: Behavior) {}
}

/** A fresh instance from the cell's factory. */
export function newInstance(cell: CellState): Actor {
  return cell.funcActor ? new FuncActor(cell.factory as Behavior) : (cell.factory as ActorFactory)();
}

/** Creates the instance and runs preStart (first start or reactivation); returns a promise only when preStart is async. */
export function activate(cell: CellState): Promise<void> | undefined {
  const again = cell.state === PASSIVATED;
  let result: void | Promise<void> = undefined;
  try {
    cell.actor = newInstance(cell);
    result = cell.actor.preStart?.(cell.ctx);
  } catch (error) {
    initFailed(cell, error, again);
    throw new ActorInitializationError(cell.address, error);
  }
  if (result !== undefined && result !== null && typeof (result as Promise<void>).then === "function") {
    cell.busy = true;
    return (result as Promise<void>).then(
      () => {
        started(cell);
        cell.settle();
      },
      (error: unknown) => {
        cell.busy = false;
        initFailed(cell, error, again);
        throw new ActorInitializationError(cell.address, error);
      },
    );
  }
  started(cell);
  return undefined;
}

function started(cell: CellState): void {
  const reactivated = cell.state === PASSIVATED;
  cell.state = RUNNING;
  cell.postStartDue = true;
  track(cell);
  if (!cell.isGuardian && !reactivated) cell.runtime.actorStarted(cell);
  if (!cell.busy && !cell.scheduled) cell.runtime.dispatcher.schedule(cell);
}

/** preStart failed: the actor is gone, its watchers are told; only a reactivated one was counted live. */
function initFailed(cell: CellState, error: unknown, reactivating: boolean): void {
  cell.runtime.logger.error({ actor: cell.address, err: error }, "actor failed to start");
  cell.state = STOPPED;
  if (cell.parentCell !== undefined) removeChild(cell.parentCell, cell);
  drainToDeadLetters(cell);
  // A child can be watched before its async preStart fails (a router watches its routees at once).
  notifyWatchers(cell);
  if (reactivating) cell.runtime.actorStopped(cell);
  cell.ext?.stopResolve?.();
}

function removeChild(parent: CellState, child: CellState): void {
  const children = parent.ext?.children;
  if (children?.get(child.name) === child) children.delete(child.name);
}

/** Stops `cell` after its current message: children first, then postStop, then watchers are told. */
export function stopCell(cell: CellState): Promise<void> {
  if (cell.state === STOPPED) return resolved;
  const pending = cell.ext?.stopPromise;
  if (pending !== undefined) return pending;
  if (cell.ext?.backoffTimer !== undefined) {
    cell.runtime.clock.clearTimeout(cell.ext.backoffTimer);
    cell.ext.backoffTimer = undefined;
  }
  if (!cell.busy && cell.state < STOPPING) {
    // Most actors stop synchronously (no children, sync postStop): no promise, no extras.
    finishStop(cell);
    if (cell.state === STOPPED) return resolved;
  }
  const ext = cell.extras();
  ext.stopRequested = true;
  return (ext.stopPromise = new Promise<void>((resolve) => (ext.stopResolve = resolve)));
}

/** Children first (depth first), then postStop, then the rest; synchronous when nothing on the way is async. */
export function finishStop(cell: CellState): void {
  if (cell.state >= STOPPING) return;
  const wasPassivated = cell.state === PASSIVATED;
  cell.state = STOPPING;
  untrack(cell);
  const children = stopChildrenNow(cell);
  if (children === undefined) stopSelf(cell, wasPassivated);
  else children.then(() => stopSelf(cell, wasPassivated));
}

/** Stops every child; undefined when all stopped synchronously, else a promise for the rest. */
function stopChildrenNow(cell: CellState): Promise<unknown> | undefined {
  const children = cell.ext?.children;
  if (children === undefined || children.size === 0) return undefined;
  let waiting: Promise<void>[] | undefined;
  for (const child of [...children.values()]) {
    const done = child.stop();
    if (child.state !== STOPPED) (waiting ??= []).push(done);
  }
  return waiting === undefined ? undefined : Promise.all(waiting);
}

/** Stops every child and waits for all of them (restart and passivation release the instance this way). */
export async function stopChildren(cell: CellState): Promise<void> {
  await stopChildrenNow(cell);
}

function stopSelf(cell: CellState, wasPassivated: boolean): void {
  let result: void | Promise<void> = undefined;
  if (!wasPassivated) {
    try {
      result = cell.actor.postStop?.(cell.ctx);
    } catch (error) {
      cell.runtime.logger.error({ actor: cell.address, err: error }, "postStop threw");
    }
  }
  if (result !== undefined && result !== null && typeof (result as Promise<void>).then === "function") {
    (result as Promise<void>).then(
      () => stopped(cell),
      (error: unknown) => {
        cell.runtime.logger.error({ actor: cell.address, err: error }, "postStop threw");
        stopped(cell);
      },
    );
  } else {
    stopped(cell);
  }
}

function stopped(cell: CellState): void {
  cell.state = STOPPED;
  if (cell.parentCell !== undefined) removeChild(cell.parentCell, cell);
  cell.mailbox.releaseWaiters?.();
  drainToDeadLetters(cell);
  notifyWatchers(cell);
  cell.behavior = undefined;
  const ext = cell.ext;
  if (ext !== undefined) {
    ext.continuations = undefined;
    ext.behaviors = undefined;
  }
  if (!cell.isGuardian) cell.runtime.actorStopped(cell);
  ext?.stopResolve?.();
}

/** Runs the instance's postStop or preStart; a throwing preStart rethrows (the restart fails), postStop only logs. */
export async function callHook(cell: CellState, hook: "postStop" | "preStart"): Promise<void> {
  try {
    await cell.actor[hook]?.(cell.ctx);
  } catch (error) {
    cell.runtime.logger.error({ actor: cell.address, err: error }, `${hook} threw`);
    if (hook === "preStart") throw error;
  }
}

/** Sends everything still queued (front, stash, system notices, mailbox) to dead letters, failing the asks among it. */
function drainToDeadLetters(cell: CellState): void {
  const ext = cell.ext;
  if (ext !== undefined) {
    for (const pairs of [ext.front?.slice(ext.frontIndex), ext.stash]) {
      if (pairs === undefined) continue;
      for (let i = 0; i < pairs.length; i += 2) cell.undeliverable(pairs[i], pairs[i + 1] as PID | undefined, "actor stopped");
    }
    ext.front = ext.stash = undefined;
  }
  for (const mailbox of [ext?.system, cell.mailbox]) {
    while (mailbox !== undefined && mailbox.size > 0) {
      const message = mailbox.shift();
      cell.undeliverable(message, mailbox.sender, "actor stopped");
    }
  }
}

/** Messages queued in `cell` and all its descendants (for the mailbox-depth metric). */
export function queuedMessages(cell: CellState): number {
  let total = cell.mailbox.size;
  const children = cell.ext?.children;
  if (children !== undefined) for (const child of children.values()) total += queuedMessages(child);
  return total;
}
