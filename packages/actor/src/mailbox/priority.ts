import type { PID } from "../pid.js";
import type { Mailbox } from "./mailbox.js";
import { SpaceWaiters } from "./space-waiters.js";

/** Orders messages: negative when `a` must be processed before `b`. */
export type PriorityComparator = (a: unknown, b: unknown) => number;

interface Entry {
  message: unknown;
  sender: PID | undefined;
  seq: number;
}

/**
 * A binary heap by `compare`; when stable (default), equal messages keep their arrival order. When full it drops
 * (dead letter) or, with "backpressure", refuses: tell returns false and send waits for a freed slot.
 */
export class PriorityMailbox implements Mailbox {
  private readonly heap: Entry[] = [];
  private seq = 0;
  private waiters: SpaceWaiters | undefined = undefined;
  sender: PID | undefined = undefined;

  constructor(
    private readonly compare: PriorityComparator,
    private readonly stable: boolean,
    readonly capacity: number = Infinity,
    readonly overflow: "backpressure" | "drop" = "drop",
  ) {
    if (overflow === "backpressure") this.waiters = new SpaceWaiters();
  }

  get size(): number {
    return this.heap.length;
  }

  push(message: unknown, sender: PID | undefined): boolean {
    if (this.heap.length >= this.capacity) return false;
    this.pushForced(message, sender);
    return true;
  }

  pushForced(message: unknown, sender: PID | undefined): void {
    const heap = this.heap;
    heap.push({ message, sender, seq: this.stable ? this.seq++ : 0 });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(heap[i] as Entry, heap[parent] as Entry)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  shift(): unknown {
    const heap = this.heap;
    const top = heap[0] as Entry;
    const last = heap.pop() as Entry;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < heap.length && this.before(heap[l] as Entry, heap[best] as Entry)) best = l;
        if (r < heap.length && this.before(heap[r] as Entry, heap[best] as Entry)) best = r;
        if (best === i) break;
        this.swap(i, best);
        i = best;
      }
    }
    this.sender = top.sender;
    if (this.waiters !== undefined && heap.length < this.capacity) this.waiters.wakeOne();
    return top.message;
  }

  waitForSpace(): Promise<void> | undefined {
    return this.waiters?.wait(this.heap.length < this.capacity);
  }

  releaseWaiters(): void {
    this.waiters?.wakeAll();
  }

  private before(a: Entry, b: Entry): boolean {
    const c = this.compare(a.message, b.message);
    return c < 0 || (c === 0 && a.seq < b.seq);
  }

  private swap(i: number, j: number): void {
    const heap = this.heap;
    const t = heap[i] as Entry;
    heap[i] = heap[j] as Entry;
    heap[j] = t;
  }
}
