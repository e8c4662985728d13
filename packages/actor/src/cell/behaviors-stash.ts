import type { Behavior } from "../actor.js";
import { StashFullError } from "../errors.js";
import type { PID } from "../pid.js";
import { type CellState, type Extras, RUNNING } from "./cell-state.js";

/** Switches `cell` to `behavior`; with `stack` the current one is kept for unbecome. */
export function becomeBehavior(cell: CellState, behavior: Behavior, stack: boolean): void {
  if (stack) (cell.extras().behaviors ??= []).push(cell.behavior ?? null);
  cell.behavior = behavior;
}

/** Goes back to the behavior before the last stacked become (the actor's receive when none is left). */
export function unbecomeBehavior(cell: CellState): void {
  const previous = cell.ext?.behaviors?.pop();
  cell.behavior = previous ?? undefined;
}

/** Sets a message aside; StashFullError past the actor's stashCapacity. */
export function stashMessage(cell: CellState, message: unknown, sender: PID | undefined): void {
  const ext = cell.extras();
  const stashed = (ext.stash ??= []);
  const capacity = cell.options?.stashCapacity ?? Infinity;
  if (stashed.length / 2 >= capacity) throw new StashFullError(cell.address, capacity);
  stashed.push(message, sender);
}

/** Puts the oldest stashed message back ahead of the mailbox. */
export function unstashMessage(cell: CellState): void {
  const ext = cell.ext;
  const stashed = ext?.stash;
  if (ext === undefined || stashed === undefined || stashed.length === 0) return;
  const pair = stashed.splice(0, 2);
  if (stashed.length === 0) ext.stash = undefined;
  toFront(cell, ext, pair);
}

/** Puts every stashed message back ahead of the mailbox, oldest first. */
export function unstashMessages(cell: CellState): void {
  const ext = cell.ext;
  const stashed = ext?.stash;
  if (ext === undefined || stashed === undefined || stashed.length === 0) return;
  ext.stash = undefined;
  toFront(cell, ext, stashed);
}

function toFront(cell: CellState, ext: Extras, pairs: unknown[]): void {
  if (ext.front === undefined) {
    ext.front = pairs;
    ext.frontIndex = 0;
  } else {
    ext.front.push(...pairs);
  }
  if (!cell.scheduled && cell.state === RUNNING && !cell.busy) cell.runtime.dispatcher.schedule(cell);
}
