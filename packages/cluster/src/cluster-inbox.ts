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
  readonly joinTimeoutMs: number;
  /** When this node last synced with a sender it did not know, by name. */
  readonly lastSyncWith: Map<string, number>;
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
  if (message.updates.length > 0) membership.applyAll(message.updates);
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
      if (reply !== undefined && body.value.target !== undefined) void parts.detector.probeFor(body.value.target, reply);
      return;
    case "sync": {
      membership.applyAll(body.value.states);
      // A member that cannot reach part of the cluster may be on the side that is about to be downed: a node rejoining
      // after its own downing must not take it for the surviving cluster (it waits until the resolver settled).
      const established = ctx.running && membership.unreachable().size === 0;
      reply?.(messenger.message({ case: "sync", value: create(SyncSchema, { states: membership.all(), established }) }));
      return;
    }
    case "gossip":
      return;
    case "duplicatesLost":
      void ctx.duplicates.stop(body.value.lost, body.value.kept);
      return;
    default:
      parts.replica.handle(message, reply);
  }
}

/** A message from a node this one does not know (or knows as an earlier run) triggers a full sync with it, at most once per join timeout. */
function noticeSender(ctx: InboxContext, from: Member): void {
  const known = ctx.parts.membership.get(from.name);
  if (!ctx.running || (known !== undefined && known.member?.uid === from.uid)) return;
  const now = ctx.parts.system.clock.now();
  if (now - (ctx.lastSyncWith.get(from.name) ?? -Infinity) < ctx.joinTimeoutMs) return;
  ctx.lastSyncWith.set(from.name, now);
  void ctx.parts.joiner.syncWith(from);
}
