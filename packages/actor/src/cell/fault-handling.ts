import { create } from "@bufbuild/protobuf";
import { messageOf } from "../errors.js";
import { ActorReinstatedSchema, ActorRestartedSchema, ActorSuspendedSchema } from "../gen/tsakt/actor/v1/events_pb.js";
import { unstashMessages } from "./behaviors-stash.js";
import { type CellState, RESTARTING, RUNNING, STOPPING, SUSPENDED } from "./cell-state.js";
import { callHook, newInstance, stopCell, stopChildren } from "./lifecycle.js";

// How a cell carries out what its supervisor (src/supervision) decided: restart, suspend, reinstate, hold.

/** Replaces the instance with a fresh one from the factory; the mailbox and stash are kept, children stopped. */
export function restartCell(cell: CellState, error: unknown): void {
  if (cell.state >= STOPPING) return;
  if (cell.busy) {
    cell.extras().restartPending = { error };
    return;
  }
  cell.state = RESTARTING;
  cell.busy = true;
  void replaceInstance(cell, error);
}

async function replaceInstance(cell: CellState, error: unknown): Promise<void> {
  const ext = cell.extras();
  await stopChildren(cell);
  await callHook(cell, "postStop");
  cell.behavior = undefined;
  ext.behaviors = undefined;
  if (ext.stash !== undefined) unstashMessages(cell);
  try {
    cell.actor = newInstance(cell);
    await callHook(cell, "preStart");
  } catch (initError) {
    cell.runtime.logger.error({ actor: cell.address, err: initError }, "restart failed; stopping the actor");
    cell.busy = false;
    cell.state = SUSPENDED;
    void stopCell(cell);
    return;
  }
  cell.state = RUNNING;
  cell.postStartDue = true;
  cell.runtime.restarted();
  const events = cell.runtime.eventStream;
  if (events.subscriberCount > 0) events.publish(create(ActorRestartedSchema, { address: cell.address, reason: messageOf(error) }));
  cell.settle();
}

/** Suspends `cell` until reinstated (its restart budget is spent) and publishes ActorSuspended. */
export function suspendCell(cell: CellState, error: unknown): void {
  cell.state = SUSPENDED;
  const events = cell.runtime.eventStream;
  if (events.subscriberCount > 0) events.publish(create(ActorSuspendedSchema, { address: cell.address, reason: messageOf(error) }));
}

/** Resumes a suspended actor with its current instance and a fresh restart budget; false when it was not suspended. */
export function reinstateCell(cell: CellState): boolean {
  if (cell.state !== SUSPENDED) return false;
  cell.state = RUNNING;
  cell.ext?.restarts?.splice(0);
  const events = cell.runtime.eventStream;
  if (events.subscriberCount > 0) events.publish(create(ActorReinstatedSchema, { address: cell.address }));
  cell.afterFailure();
  return true;
}

/** True while `cell` is suspended by its supervisor. */
export function isSuspended(cell: CellState): boolean {
  return cell.state === SUSPENDED;
}

/** Holds `cell`'s mail while its parent decides about the failure it escalated. */
export function holdForEscalation(cell: CellState): void {
  cell.state = SUSPENDED;
}

/** Lets a cell held for an escalation go on with its current instance. */
export function resumeCell(cell: CellState): void {
  if (cell.state !== SUSPENDED) return;
  cell.state = RUNNING;
  cell.afterFailure();
}

/** Holds `cell`'s mail until its delayed (backoff) restart runs. */
export function holdForBackoff(cell: CellState): void {
  cell.state = RESTARTING;
}
