import type { PID } from "../pid.js";
import type { Mailbox } from "./mailbox.js";
import { SpaceWaiters } from "./space-waiters.js";
import { UnboundedMailbox } from "./unbounded.js";

/** A FIFO with a capacity: full means tell returns false ("backpressure") or a dead letter ("drop"). */
export class BoundedMailbox implements Mailbox {
  private readonly queue = new UnboundedMailbox();
  private readonly waiters = new SpaceWaiters();
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
    if (this.queue.size < this.capacity) this.waiters.wakeOne();
    return message;
  }

  waitForSpace(): Promise<void> | undefined {
    return this.waiters.wait(this.queue.size < this.capacity);
  }

  /** Releases every sender waiting for space (the actor stopped; their send then finds it dead). */
  releaseWaiters(): void {
    this.waiters.wakeAll();
  }
}
