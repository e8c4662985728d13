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
    (target.extras().watchers ??= new Set()).add(cell);
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

/** Tells every watcher `cell` terminated and drops `cell`'s own watches. */
export function notifyWatchers(cell: CellState): void {
  const ext = cell.ext;
  if (ext === undefined) return;
  const watchers = ext.watchers;
  ext.watchers = undefined;
  if (watchers !== undefined && watchers.size > 0) {
    const notice = terminated(cell.address);
    for (const watcher of watchers) {
      if (isCell(watcher)) {
        watcher.ext?.watching?.delete(cell);
        watcher.deliverNotice(notice, cell);
      } else {
        watcher.tell(notice, cell);
      }
    }
  }
  const watching = ext.watching;
  ext.watching = undefined;
  if (watching !== undefined) for (const target of watching) unwatchQuietly(cell, target);
}

/** Stops `target` telling `cell` of its termination, leaving `cell`'s own list of watches alone. */
function unwatchQuietly(cell: CellState, target: PID): void {
  if (isCell(target)) target.ext?.watchers?.delete(cell);
  else if (isWatchable(target)) target.removeWatcher(cell);
}

/** Delivers Terminated for `target` (a remote actor `cell` watched) and forgets the watch. */
export function watchedTerminated(cell: CellState, target: PID): void {
  const watching = cell.ext?.watching;
  if (watching !== undefined) for (const pid of watching) if (pid.address === target.address) watching.delete(pid);
  cell.deliverNotice(terminated(target.address), target);
}

/** Number of live watchers and watched actors, for leak checks. */
export function countWatches(cell: CellState): { watchers: number; watching: number } {
  return { watchers: cell.ext?.watchers?.size ?? 0, watching: cell.ext?.watching?.size ?? 0 };
}

function terminated(address: string) {
  return create(TerminatedSchema, { address });
}
