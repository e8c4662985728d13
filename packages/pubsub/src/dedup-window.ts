/**
 * Remembers which sequence numbers of one publisher were delivered, within the last `size` numbers below the
 * highest seen: `accept` is true once per number. Numbers older than the window count as seen, since publications
 * of one publisher arrive in order and an old one arriving late could only be a duplicate or out of order.
 */
export class DedupWindow {
  private high = 0;
  // Slot `seq % size` holds the last sequence number accepted there; within the window only one number maps to a slot.
  private readonly slots: Float64Array;

  constructor(private readonly size: number) {
    this.slots = new Float64Array(size).fill(-1);
  }

  /** True the first time `seq` (a positive integer) is offered; false for a repeat or a number below the window. */
  accept(seq: number): boolean {
    if (seq <= this.high - this.size) return false;
    const slot = seq % this.size;
    if (this.slots[slot] === seq) return false;
    this.slots[slot] = seq;
    if (seq > this.high) this.high = seq;
    return true;
  }
}
