import { isCell } from "./cell/cell-state.js";
import type { ActorCell } from "./cell.js";
import type { AskOptions, PID } from "./pid.js";

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

/**
 * Asks `pid` every message of `messages` in one call (a local actor queues them all and is woken once) and resolves
 * with the replies in the order of the messages. Rejects with the first failure, as Promise.all does (each ask has
 * its own `timeoutMs`; a message a full mailbox refused fails with MailboxFullError, and so do the ones after it).
 * Remote PIDs get one ask per message.
 */
export function batchAsk<R = unknown>(pid: PID, messages: readonly unknown[], options?: AskOptions): Promise<R[]> {
  if (isCell(pid)) return (pid as unknown as ActorCell).askBatch<R>(messages, options);
  return Promise.all(messages.map((message) => pid.ask<R>(message, options)));
}
