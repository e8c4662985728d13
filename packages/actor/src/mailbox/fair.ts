import type { PID, RejectablePID } from "../pid.js";
import type { Mailbox } from "./mailbox.js";
import { UnboundedMailbox } from "./unbounded.js";

/** Senders that share one lane: messages with no sender, and temporary senders (each ask has its own). */
const anonymous = "";

class Lane {
  readonly queue = new UnboundedMailbox();
  next: Lane | undefined = undefined;
  constructor(readonly key: string) {}
}

/**
 * Per-sender round-robin: each sender (by address) has its own FIFO lane, and shift takes one message from each
 * non-empty lane in turn, so a sender that floods the actor delays another sender's message by at most one message
 * per other active sender. Order per sender is kept. Messages without a sender and asks share one lane.
 */
export class FairMailbox implements Mailbox {
  private readonly lanes = new Map<string, Lane>();
  /** Non-empty lanes in turn order: the head gives the next message, then goes to the tail if it has more. */
  private head: Lane | undefined = undefined;
  private tail: Lane | undefined = undefined;
  size = 0;
  sender: PID | undefined = undefined;

  get capacity(): number {
    return Infinity;
  }

  get overflow(): "backpressure" {
    return "backpressure";
  }

  push(message: unknown, sender: PID | undefined): boolean {
    this.pushForced(message, sender);
    return true;
  }

  pushForced(message: unknown, sender: PID | undefined): void {
    const key = laneKey(sender);
    let lane = this.lanes.get(key);
    if (lane === undefined) {
      lane = new Lane(key);
      this.lanes.set(key, lane);
      this.append(lane);
    }
    lane.queue.pushForced(message, sender);
    this.size++;
  }

  shift(): unknown {
    const lane = this.head as Lane;
    this.head = lane.next;
    if (this.head === undefined) this.tail = undefined;
    lane.next = undefined;
    const message = lane.queue.shift();
    this.sender = lane.queue.sender;
    this.size--;
    // An emptied lane is forgotten, so senders that come and go leave nothing behind.
    if (lane.queue.size > 0) this.append(lane);
    else this.lanes.delete(lane.key);
    return message;
  }

  waitForSpace(): undefined {
    return undefined;
  }

  private append(lane: Lane): void {
    if (this.tail === undefined) this.head = lane;
    else this.tail.next = lane;
    this.tail = lane;
  }
}

function laneKey(sender: PID | undefined): string {
  if (sender === undefined || typeof (sender as Partial<RejectablePID>).reject === "function") return anonymous;
  return sender.address;
}
