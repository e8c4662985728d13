/** One message a producer holds until the consumer confirms it. */
export interface Entry {
  /** Its sequence number. */
  readonly seq: number;
  /** What it carries: a message, the end of the sequence, or a failure. */
  readonly kind: number;
  /** The user's message; undefined for end and fail, and for a journaled message not decoded yet. */
  message: unknown;
  /** The message packed for the wire (a google.protobuf.Any), once it crossed a node or came from the journal. */
  packed: unknown;
  /** For a failure: why. */
  readonly reason: string;
}

/**
 * The producer's unconfirmed messages in sequence order, oldest first: an array with a moving head, so taking
 * confirmed messages off the front costs no copying until the dead part is large.
 */
export class EntryQueue {
  private items: Entry[] = [];
  private head = 0;

  /** Number of held messages. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** Sequence number of the oldest held message; undefined when empty. */
  get firstSeq(): number | undefined {
    return this.items[this.head]?.seq;
  }

  /** Appends the next message (its seq must be one more than the last one's). */
  push(entry: Entry): void {
    this.items.push(entry);
  }

  /** The held message with sequence number `seq`, or undefined. */
  get(seq: number): Entry | undefined {
    const first = this.items[this.head];
    if (first === undefined) return undefined;
    return this.items[this.head + (seq - first.seq)];
  }

  /** Drops every message up to and including `seq`; returns how many were dropped. */
  dropUpTo(seq: number): number {
    let dropped = 0;
    const items = this.items;
    while (this.head < items.length && (items[this.head] as Entry).seq <= seq) {
      items[this.head] = undefined as unknown as Entry;
      this.head++;
      dropped++;
    }
    if (this.head === items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > items.length) {
      this.items = items.slice(this.head);
      this.head = 0;
    }
    return dropped;
  }

  /** Drops everything. */
  clear(): void {
    this.items = [];
    this.head = 0;
  }
}
