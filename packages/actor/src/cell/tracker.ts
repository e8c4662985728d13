import type { PassivationOptions } from "../passivation.js";
import type { CellState } from "./cell-state.js";

/** The passivator's handle on one active cell; kept apart so cells without passivation stay small. */
class PassivationTracker {
  lastActive = 0;
  useCount = 0;
  constructor(
    readonly cell: CellState,
    readonly passivation: Exclude<PassivationOptions, "long-lived">,
  ) {}
  isIdle(): boolean {
    return this.cell.isIdle();
  }
  passivate(): void {
    this.cell.passivate();
  }
}

/** Registers a passivatable actor that just (re)activated with the system's passivator. */
export function track(cell: CellState): void {
  const passivation = cell.options?.passivation;
  if (passivation === undefined || passivation === "long-lived") return;
  const tracker = (cell.extras().tracker = new PassivationTracker(cell, passivation));
  cell.runtime.passivator().add(tracker);
}

/** Stops the passivator tracking `cell` (it stops or passivates). */
export function untrack(cell: CellState): void {
  const ext = cell.ext;
  if (ext?.tracker === undefined) return;
  cell.runtime.passivator().remove(ext.tracker);
  ext.tracker = undefined;
}
