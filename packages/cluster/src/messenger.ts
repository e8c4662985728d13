import { create } from "@bufbuild/protobuf";
import {
  type ClusterMessage,
  ClusterMessageSchema,
  GossipSchema,
  type MemberState,
  MemberStatus,
} from "./gen/tsakt/cluster/v1/cluster_pb.js";
import type { GossipQueue } from "./gossip-queue.js";
import type { Membership } from "./membership.js";
import type { ClusterTransport, MemberAddress } from "./transport.js";

/** The body of a cluster message: one case of ClusterMessage's oneof. */
export type MessageBody = ClusterMessage["body"];

/** A node to talk to: its address, and the uid of its run when known (a Member fits). */
export type Peer = MemberAddress & { readonly uid?: string };

/** Builds cluster messages (sender, piggybacked gossip) and sends them through the transport. */
export class Messenger {
  constructor(
    private readonly transport: ClusterTransport,
    private readonly membership: Membership,
    private readonly gossip: GossipQueue,
  ) {}

  /** A message from this node; with `piggyback`, pending membership updates ride along (failure-detector traffic). */
  message(body: MessageBody, piggyback = false, to?: Peer): ClusterMessage {
    let updates: readonly MemberState[] = [];
    if (piggyback) {
      updates = this.gossip.take(this.membership.live().length);
      const hint = to === undefined ? undefined : this.notice(to);
      if (hint !== undefined) updates = [hint, ...updates];
    }
    return create(ClusterMessageSchema, { from: this.membership.self.member, updates: updates as MemberState[], body });
  }

  /** Sends without waiting for an answer. */
  send(to: Peer, body: MessageBody, piggyback = false): void {
    this.transport.send(to, this.message(body, piggyback, to));
  }

  /** Sends `states` as a Gossip message, whatever the dissemination queue holds (leave announcements). */
  announce(to: MemberAddress, states: MemberState[]): void {
    this.transport.send(
      to,
      create(ClusterMessageSchema, {
        from: this.membership.self.member,
        updates: states,
        body: { case: "gossip", value: create(GossipSchema) },
      }),
    );
  }

  /**
   * Sends a request; the reply's piggybacked updates are applied before it is returned, as the word of the member
   * that answered (about itself, when it answers from the address asked).
   */
  async request(to: Peer, body: MessageBody, timeoutMs: number, piggyback = false): Promise<ClusterMessage> {
    const reply = await this.transport.request(to, this.message(body, piggyback, to), timeoutMs);
    const from = reply.from;
    if (reply.updates.length > 0 && from !== undefined)
      this.membership.applyAll(reply.updates, { from, direct: from.host === to.host && from.port === to.port });
    if (from !== undefined) this.membership.heard(from.name, from.uid);
    return reply;
  }

  /**
   * Our record of `to` when we hold it suspect or dead: the member learns at once what is said about it and can
   * refute (SWIM's "buddy" notice), instead of waiting for the rumor to reach it by chance or for the next full sync.
   */
  private notice(to: Peer): MemberState | undefined {
    const known = this.membership.get(to.name);
    if (known === undefined || (known.status !== MemberStatus.DEAD && known.status !== MemberStatus.SUSPECT)) return undefined;
    return to.uid === undefined || known.member?.uid === to.uid ? known : undefined;
  }
}
