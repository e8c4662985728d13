import { InFlightLimitError, ReentrancyDisabledError } from "../errors.js";
import { type CellState, RUNNING, STOPPING } from "./cell-state.js";

/**
 * Counts a pending ctx.request (the "stash" reentrancy mode holds mail while any is pending); throws
 * ReentrancyDisabledError with reentrancy "off" and InFlightLimitError at maxInFlight, before anything is sent.
 */
export function countRequest(cell: CellState): void {
  const options = cell.options;
  if (options?.reentrancy === "off") throw new ReentrancyDisabledError(cell.address);
  const ext = cell.extras();
  const max = options?.maxInFlight;
  if (max !== undefined && ext.pendingRequests >= max) throw new InFlightLimitError(cell.address, max);
  ext.pendingRequests++;
}

/** A ctx.request settled and its callbacks ran; with none left pending, held mail may run again. */
export function settleRequest(cell: CellState): void {
  const ext = cell.extras();
  ext.pendingRequests--;
  if (ext.pendingRequests === 0 && !cell.scheduled && cell.state === RUNNING && !cell.busy && cell.hasWork())
    cell.runtime.dispatcher.schedule(cell);
}

/**
 * Runs `fn` as a turn of `cell` (asTurn true), or at once when an async turn of it is awaiting (asTurn false): how
 * ctx.request callbacks and escalated failures reach an actor. False when the actor is stopping or stopped.
 */
export function runAsTurn(cell: CellState, fn: (asTurn: boolean) => void): boolean {
  if (cell.state >= STOPPING) return false;
  if (cell.busy && cell.state === RUNNING) {
    fn(false);
    return true;
  }
  (cell.extras().continuations ??= []).push(() => {
    try {
      fn(true);
    } catch (error) {
      cell.fail(error);
    }
  });
  if (!cell.scheduled && cell.state === RUNNING && !cell.busy) cell.runtime.dispatcher.schedule(cell);
  return true;
}
