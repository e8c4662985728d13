import type { MemberState } from "./gen/tsakt/cluster/v1/cluster_pb.js";

interface Item {
  state: MemberState;
  sent: number;
  seq: number;
}

const none: readonly MemberState[] = Object.freeze([]);

/**
 * The membership updates waiting to be piggybacked (SWIM dissemination): one per member, the least-sent first,
 * each sent retransmitMultiplier × ⌈log2(members + 1)⌉ times, the buffer bounded by dropping the most-sent.
 */
export class GossipQueue {
  private readonly items = new Map<string, Item>();
  private seq = 0;

  constructor(
    private readonly capacity: number,
    private readonly perMessage: number,
    private readonly multiplier: number,
  ) {}

  /** Number of updates waiting. */
  get size(): number {
    return this.items.size;
  }

  /** Queues `state`, replacing an older update about the same member (it restarts its send count). */
  enqueue(state: MemberState): void {
    const name = state.member?.name ?? "";
    this.items.delete(name);
    this.items.set(name, { state, sent: 0, seq: this.seq++ });
    if (this.items.size > this.capacity) this.evict();
  }

  /** Takes up to perMessage updates for one outgoing message, given the number of live members. */
  take(members: number): readonly MemberState[] {
    if (this.items.size === 0) return none;
    const limit = this.multiplier * Math.max(1, Math.ceil(Math.log2(members + 1)));
    const chosen = [...this.items.values()].sort((a, b) => a.sent - b.sent || b.seq - a.seq).slice(0, this.perMessage);
    const out: MemberState[] = [];
    for (const item of chosen) {
      out.push(item.state);
      if (++item.sent >= limit) this.items.delete(item.state.member?.name ?? "");
    }
    return out;
  }

  /** Forgets every update. */
  clear(): void {
    this.items.clear();
  }

  /** Drops the most-sent update (the oldest among equals): it has had the most chances to spread. */
  private evict(): void {
    let worst: Item | undefined;
    for (const item of this.items.values())
      if (worst === undefined || item.sent > worst.sent || (item.sent === worst.sent && item.seq < worst.seq)) worst = item;
    if (worst !== undefined) this.items.delete(worst.state.member?.name ?? "");
  }
}
