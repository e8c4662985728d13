import { type CellState, RUNNING } from "./cell-state.js";

/** Counts a pending ctx.request (the "stash" reentrancy mode holds mail while any is pending). */
export function countRequest(cell: CellState): void {
  cell.extras().pendingRequests++;
}

/** A ctx.request settled and its callbacks ran; with none left pending, held mail may run again. */
export function settleRequest(cell: CellState): void {
  const ext = cell.extras();
  ext.pendingRequests--;
  if (ext.pendingRequests === 0 && !cell.scheduled && cell.state === RUNNING && !cell.busy && cell.hasWork())
    cell.runtime.dispatcher.schedule(cell);
}
