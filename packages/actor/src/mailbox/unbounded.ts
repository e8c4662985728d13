import type { PID } from "../pid.js";
import type { Mailbox } from "./mailbox.js";

const firstSegmentPairs = 8;
const segmentPairs = 1024;

class Segment {
  readonly buf: unknown[];
  next: Segment | undefined = undefined;
  constructor(readonly pairs: number) {
    this.buf = new Array<unknown>(pairs * 2);
  }
}

/**
 * Unbounded FIFO as a chain of fixed segments. A lone message sits in a slot of its own, so an actor that
 * never has more than one message queued (ping-pong, idle actors) allocates no segment at all.
 */
export class UnboundedMailbox implements Mailbox {
  size = 0;
  sender: PID | undefined = undefined;
  private slotMessage: unknown = undefined;
  private slotSender: PID | undefined = undefined;
  private slotFull = false;
  /** A drained full-size segment kept for reuse, so a mailbox that never empties stops allocating. */
  private spare: Segment | undefined = undefined;
  private head: Segment | undefined = undefined;
  private tail: Segment | undefined = undefined;
  private headIndex = 0;
  private tailIndex = 0;

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
    if (this.size === 0) {
      this.slotMessage = message;
      this.slotSender = sender;
      this.slotFull = true;
      this.size = 1;
      return;
    }
    let tail = this.tail;
    if (tail === undefined) {
      tail = this.head = this.tail = new Segment(firstSegmentPairs);
    } else if (this.tailIndex === tail.pairs) {
      let next = this.spare;
      if (next === undefined) next = new Segment(segmentPairs);
      else this.spare = undefined;
      tail.next = next;
      tail = this.tail = next;
      this.tailIndex = 0;
    }
    const i = this.tailIndex++ << 1;
    tail.buf[i] = message;
    tail.buf[i + 1] = sender;
    this.size++;
  }

  shift(): unknown {
    this.size--;
    if (this.slotFull) {
      const message = this.slotMessage;
      this.sender = this.slotSender;
      this.slotMessage = undefined;
      this.slotSender = undefined;
      this.slotFull = false;
      return message;
    }
    let head = this.head as Segment;
    if (this.headIndex === head.pairs) {
      const drained = head;
      head = this.head = head.next as Segment;
      this.headIndex = 0;
      drained.next = undefined;
      if (drained.pairs === segmentPairs) this.spare = drained;
    }
    const i = this.headIndex++ << 1;
    const buf = head.buf;
    const message = buf[i];
    this.sender = buf[i + 1] as PID | undefined;
    buf[i] = undefined;
    buf[i + 1] = undefined;
    if (head === this.tail && this.headIndex === this.tailIndex) {
      this.headIndex = 0;
      this.tailIndex = 0;
    }
    return message;
  }

  waitForSpace(): undefined {
    return undefined;
  }
}
