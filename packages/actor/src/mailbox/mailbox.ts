import type { PID } from "../pid.js";

/** A user-message queue of one actor. Messages and their senders are stored side by side, no envelope per message. */
export interface Mailbox {
  /** Number of queued messages. */
  readonly size: number;
  /** Sender of the message most recently returned by shift(). */
  sender: PID | undefined;
  /** Queues a message; false when a bounded mailbox is full. */
  push(message: unknown, sender: PID | undefined): boolean;
  /** Queues a message even past capacity (system notices such as Terminated must not be lost). */
  pushForced(message: unknown, sender: PID | undefined): void;
  /** Dequeues the next message (call only when size > 0); its sender lands in `sender`. */
  shift(): unknown;
  /** Resolves when a bounded mailbox has room again; undefined when it has room now. */
  waitForSpace(): Promise<void> | undefined;
  /** Releases every sender waiting for space (the actor stopped); mailboxes without waiters leave it out. */
  releaseWaiters?(): void;
  /** Capacity of a bounded mailbox, Infinity otherwise. */
  readonly capacity: number;
  /** What push does when full: "backpressure" (tell returns false) or "drop" (dead letter with MailboxFullError). */
  readonly overflow: "backpressure" | "drop";
}
