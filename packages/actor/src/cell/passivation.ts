import { create } from "@bufbuild/protobuf";
import { ActorPassivatedSchema } from "../gen/tsakt/actor/v1/events_pb.js";
import { type CellState, PASSIVATED } from "./cell-state.js";
import { activate, callHook, finishStop, stopCell, stopChildren } from "./lifecycle.js";
import { untrack } from "./tracker.js";

/** Passivates an idle actor: stops it for good, or with `reactivate` releases the instance until the next message. */
export function passivateCell(cell: CellState): void {
  if (!cell.isIdle()) return;
  untrack(cell);
  const events = cell.runtime.eventStream;
  if (events.subscriberCount > 0) events.publish(create(ActorPassivatedSchema, { address: cell.address }));
  const passivation = cell.options?.passivation;
  if (passivation === undefined || passivation === "long-lived" || passivation.reactivate !== true) {
    void stopCell(cell);
    return;
  }
  cell.busy = true;
  void release(cell);
}

async function release(cell: CellState): Promise<void> {
  await stopChildren(cell);
  await callHook(cell, "postStop");
  cell.behavior = undefined;
  if (cell.ext !== undefined) cell.ext.behaviors = undefined;
  cell.state = PASSIVATED;
  cell.busy = false;
  if (cell.ext?.stopRequested) finishStop(cell);
  else if (cell.hasWork()) reactivateCell(cell);
}

/** Brings a passivated actor back from its factory; its queued mail then runs. */
export function reactivateCell(cell: CellState): void {
  if (cell.busy) return;
  try {
    activate(cell)?.catch(() => {});
  } catch {
    // activate() already logged the failure and stopped the actor; its mail went to dead letters.
  }
}
