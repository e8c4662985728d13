import { create } from "@bufbuild/protobuf";
import type { Parts } from "./cluster-parts.js";
import type { Duplicates } from "./duplicates.js";
import { AckSchema, type ClusterMessage, type Member, MemberStatus, SyncSchema } from "./gen/tsakt/cluster/v1/cluster_pb.js";
import type { ClusterReply } from "./transport.js";

/** What handling an incoming cluster message needs. */
export interface InboxContext {
  readonly parts: Parts;
  /** True once the cluster runs (not while joining or leaving). */
  readonly running: boolean;
  readonly duplicates: Duplicates;
}

/** Handles one cluster message: piggybacked gossip, then the body (probes, syncs, registry requests, duplicates). */
export function handleClusterMessage(ctx: InboxContext, message: ClusterMessage, reply: ClusterReply | undefined): void {
  const { parts } = ctx;
  const from = message.from;
  if (from === undefined || from.name === "") return;
  const { membership, messenger } = parts;
  const known = membership.get(from.name);
  if (known?.status === MemberStatus.DOWN && known.member?.uid === from.uid) {
    // A downed run is still talking (a healed partition): tell it, so it stops; nothing it says counts.
    messenger.announce(from, [known]);
    return;
  }
  // Unsolicited: the sender's word is hearsay, and a stranger's counts for nothing.
  const source = { from, direct: false };
  if (message.updates.length > 0) membership.applyAll(message.updates, source);
  membership.heard(from.name, from.uid);
  noticeSender(ctx, from);
  const body = message.body;
  switch (body.case) {
    case "ping":
      // A ping meant for an earlier run of this node gets no ack: that process is gone.
      if (body.value.targetUid === "" || body.value.targetUid === membership.self.member?.uid)
        reply?.(messenger.message({ case: "ack", value: create(AckSchema) }, true, from));
      return;
    case "pingReq":
      // Probing on someone's behalf is a member's favor: a stranger cannot make this node dial addresses.
      if (reply !== undefined && body.value.target !== undefined && membership.isLiveMember(from))
        void parts.detector.probeFor(body.value.target, reply);
      return;
    case "sync": {
      membership.applyAll(body.value.states, source);
      // A member that cannot reach part of the cluster may be on the side that is about to be downed: a node rejoining
      // after its own downing must not take it for the surviving cluster (it waits until the resolver settled).
      // Silence counts too: its detector may not have found the other side yet (see the resolver's losing check).
      const established = ctx.running && membership.unreachable().size === 0 && !ctx.parts.resolver.cutOff();
      reply?.(messenger.message({ case: "sync", value: create(SyncSchema, { states: membership.all(), established }) }));
      return;
    }
    case "gossip":
      return;
    case "duplicatesLost":
      // Sent by a partition's primary, a member; a stranger cannot make this node stop what it hosts.
      if (membership.isLiveMember(from)) void ctx.duplicates.stop(body.value.lost, body.value.kept);
      return;
    default:
      // Only members use the registry: a request from a sender this node does not know waits until it answered as one.
      if (membership.isLiveMember(from)) parts.replica.handle(message, reply);
      else
        void parts.verifier.stranger(from).then((ok) => {
          if (ok && membership.isLiveMember(from)) parts.replica.handle(message, reply);
        });
  }
}

/** A message from a node this one does not know (or knows as an earlier run) triggers a direct sync with it, within the verifier's budget. */
function noticeSender(ctx: InboxContext, from: Member): void {
  if (!ctx.running || ctx.parts.membership.isLiveMember(from)) return;
  void ctx.parts.verifier.stranger(from);
}
