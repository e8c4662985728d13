import { create } from "@bufbuild/protobuf";
import { TerminatedSchema } from "../gen/tsakt/actor/v1/system_pb.js";
import { isWatchable, type PID } from "../pid.js";
import { type CellState, isCell } from "./cell-state.js";

/** Starts telling `cell` when `target` terminates; at once when a local target is already gone. */
export function addWatch(cell: CellState, target: PID): void {
  if (target === cell) return;
  if (isCell(target)) {
    if (!target.isAlive()) {
      cell.deliverNotice(terminated(target.address), target);
      return;
    }
    const ext = target.extras();
    const watchers = ext.watchers;
    // Most watched actors have one watcher (their parent, a manager): it is kept without a Set.
    if (watchers === undefined) ext.watchers = cell;
    else if (watchers instanceof Set) watchers.add(cell);
    else if (watchers !== cell) ext.watchers = new Set([watchers, cell]);
  } else if (isWatchable(target)) {
    target.addWatcher(cell);
  } else {
    return;
  }
  (cell.extras().watching ??= new Set()).add(target);
}

/** Stops watching `target`. */
export function removeWatch(cell: CellState, target: PID): void {
  unwatchQuietly(cell, target);
  cell.ext?.watching?.delete(target);
}

/**
 * A spawn option for plugins (through @tsakt/actor/internal): the parent gets Terminated for the child as if it had
 * watched it from its spawn until the parent stopped, without the watch's bookkeeping on both actors. Set on a shared
 * options object, it costs nothing per child (the grains manager spawns one child per grain activation).
 */
export const parentWatches: unique symbol = Symbol("tsakt.parentWatches");

/** Tells every watcher `cell` terminated and drops `cell`'s own watches. */
export function notifyWatchers(cell: CellState): void {
  const parent = cell.parentCell;
  if (parent !== undefined && (cell.options as { [parentWatches]?: boolean } | undefined)?.[parentWatches] === true)
    parent.deliverNotice(terminated(cell.address), cell);
  const ext = cell.ext;
  if (ext === undefined) return;
  const watchers = ext.watchers;
  ext.watchers = undefined;
  if (watchers instanceof Set) {
    if (watchers.size > 0) {
      const notice = terminated(cell.address);
      for (const watcher of watchers) notifyWatcher(cell, watcher, notice);
    }
  } else if (watchers !== undefined) {
    notifyWatcher(cell, watchers, terminated(cell.address));
  }
  const watching = ext.watching;
  ext.watching = undefined;
  if (watching !== undefined) for (const target of watching) unwatchQuietly(cell, target);
}

function notifyWatcher(cell: CellState, watcher: PID, notice: ReturnType<typeof terminated>): void {
  if (isCell(watcher)) {
    watcher.ext?.watching?.delete(cell);
    watcher.deliverNotice(notice, cell);
  } else {
    watcher.tell(notice, cell);
  }
}

/** Stops `target` telling `cell` of its termination, leaving `cell`'s own list of watches alone. */
function unwatchQuietly(cell: CellState, target: PID): void {
  if (isCell(target)) {
    const ext = target.ext;
    const watchers = ext?.watchers;
    if (watchers instanceof Set) watchers.delete(cell);
    else if (watchers === cell) (ext as NonNullable<typeof ext>).watchers = undefined;
  } else if (isWatchable(target)) {
    target.removeWatcher(cell);
  }
}

/** Delivers Terminated for `target` (a remote actor `cell` watched) and forgets the watch. */
export function watchedTerminated(cell: CellState, target: PID): void {
  const watching = cell.ext?.watching;
  if (watching !== undefined) for (const pid of watching) if (pid.address === target.address) watching.delete(pid);
  cell.deliverNotice(terminated(target.address), target);
}

/** Number of live watchers and watched actors, for leak checks. */
export function countWatches(cell: CellState): { watchers: number; watching: number } {
  const watchers = cell.ext?.watchers;
  const count = watchers instanceof Set ? watchers.size : watchers === undefined ? 0 : 1;
  return { watchers: count, watching: cell.ext?.watching?.size ?? 0 };
}

function terminated(address: string) {
  return create(TerminatedSchema, { address });
}
