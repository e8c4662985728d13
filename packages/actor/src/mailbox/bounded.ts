import type { PID } from "../pid.js";
import type { Mailbox } from "./mailbox.js";
import { UnboundedMailbox } from "./unbounded.js";

/** A FIFO with a capacity: full means tell returns false ("backpressure") or a dead letter ("drop"). */
export class BoundedMailbox implements Mailbox {
  private readonly queue = new UnboundedMailbox();
  private waiters: Array<() => void> | undefined = undefined;
  sender: PID | undefined = undefined;

  constructor(
    readonly capacity: number,
    readonly overflow: "backpressure" | "drop",
  ) {}

  get size(): number {
    return this.queue.size;
  }

  push(message: unknown, sender: PID | undefined): boolean {
    if (this.queue.size >= this.capacity) return false;
    this.queue.pushForced(message, sender);
    return true;
  }

  pushForced(message: unknown, sender: PID | undefined): void {
    this.queue.pushForced(message, sender);
  }

  shift(): unknown {
    const message = this.queue.shift();
    this.sender = this.queue.sender;
    const waiters = this.waiters;
    if (waiters !== undefined && this.queue.size < this.capacity) {
      const wake = waiters.shift();
      if (waiters.length === 0) this.waiters = undefined;
      wake?.();
    }
    return message;
  }

  waitForSpace(): Promise<void> | undefined {
    if (this.queue.size < this.capacity && this.waiters === undefined) return undefined;
    return new Promise<void>((resolve) => (this.waiters ??= []).push(resolve));
  }

  /** Releases every sender waiting for space (the actor stopped; their send then finds it dead). */
  releaseWaiters(): void {
    const waiters = this.waiters;
    this.waiters = undefined;
    if (waiters !== undefined) for (const wake of waiters) wake();
  }
}
