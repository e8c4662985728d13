import { create } from "@bufbuild/protobuf";
import { isCell } from "./cell/cell-state.js";
import { watchedTerminated } from "./cell/death-watch.js";
import { TerminatedSchema } from "./gen/tsakt/actor/v1/system_pb.js";
import type { PID } from "./pid.js";

/** Tells `watcher` that `target` terminated, past any mailbox capacity, and clears the watch (remoting uses it). */
export function deliverTerminated(watcher: PID, target: PID): void {
  if (isCell(watcher)) watchedTerminated(watcher, target);
  else watcher.tell(create(TerminatedSchema, { address: target.address }), target);
}
