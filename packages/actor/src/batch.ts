import { isCell } from "./cell/cell-state.js";
import type { ActorCell } from "./cell.js";
import type { PID } from "./pid.js";

/**
 * Tells `pid` every message of `messages`, in order, in one call: a local actor queues them all and is woken once.
 * Stops at the first message the actor refuses (full bounded mailbox, stopped actor; that one is handled as tell
 * handles it) and returns how many were accepted, so `messages.slice(n)` can be sent again. Remote PIDs get one tell
 * per message.
 */
export function batchTell(pid: PID, messages: readonly unknown[], sender?: PID): number {
  if (isCell(pid)) return (pid as unknown as ActorCell).tellBatch(messages, sender);
  let n = 0;
  while (n < messages.length && pid.tell(messages[n], sender)) n++;
  return n;
}
