import { create } from "@bufbuild/protobuf";
import {
  ActorEntrySchema,
  type ActorPage as ActorPageMessage,
  ActorPageSchema,
  GrainKindCountSchema,
  type NodeStats as NodeStatsMessage,
  NodeStatsSchema,
  StatsSampleSchema,
} from "./gen/tsakt/management/v1/management_pb.js";
import type { ActorPage, NodeStats, StatsSample } from "./node-view.js";

/** Extra numbers a cluster node reports beside its NodeStats. */
export interface RegistryShare {
  readonly registryEntries: number;
  readonly primaryPartitions: number;
}

/** NodeStats and samples as the NodeStats message carries them between members. */
export function statsToMessage(stats: NodeStats, samples: readonly StatsSample[], share: RegistryShare): NodeStatsMessage {
  return create(NodeStatsSchema, {
    node: stats.node,
    address: stats.address,
    actors: stats.actors,
    processed: stats.processed,
    mailboxDepth: stats.mailboxDepth,
    deadLetters: stats.deadLetters,
    restarts: stats.restarts,
    grainsEnabled: stats.grains.enabled,
    grains: stats.grains.kinds.map((k) => create(GrainKindCountSchema, { kind: k.kind, active: k.active })),
    samples: samples.map((s) =>
      create(StatsSampleSchema, {
        atMs: s.at,
        messagesPerSec: s.messagesPerSec,
        mailboxDepth: s.mailboxDepth,
        actors: s.actors,
        grains: s.grains,
      }),
    ),
    url: stats.url,
    registryEntries: share.registryEntries,
    primaryPartitions: share.primaryPartitions,
    uptimeSec: stats.uptimeSec,
  });
}

/** The JSON view of a NodeStats message; the system name is the cluster's, given by the caller. */
export function statsFromMessage(m: NodeStatsMessage, system: string): { stats: NodeStats; samples: StatsSample[] } {
  const kinds = m.grains.map((g) => ({ kind: g.kind, active: g.active }));
  return {
    stats: {
      node: m.node,
      address: m.address,
      system,
      uptimeSec: m.uptimeSec,
      actors: m.actors,
      processed: m.processed,
      mailboxDepth: m.mailboxDepth,
      deadLetters: m.deadLetters,
      restarts: m.restarts,
      grains: { enabled: m.grainsEnabled, active: kinds.reduce((sum, k) => sum + k.active, 0), kinds },
      url: m.url,
    },
    samples: m.samples.map((s) => ({
      at: s.atMs,
      messagesPerSec: s.messagesPerSec,
      mailboxDepth: s.mailboxDepth,
      actors: s.actors,
      grains: s.grains,
    })),
  };
}

/** An actor page as the ActorPage message carries it. */
export function pageToMessage(page: ActorPage): ActorPageMessage {
  return create(ActorPageSchema, {
    node: page.node,
    total: page.total,
    offset: page.offset,
    found: true,
    actors: page.actors.map((a) =>
      create(ActorEntrySchema, {
        path: a.path,
        depth: a.depth,
        state: a.state,
        mailbox: a.mailbox,
        processed: a.processed,
        children: a.children,
      }),
    ),
  });
}

/** The JSON view of an ActorPage message. */
export function pageFromMessage(m: ActorPageMessage, under: string, limit: number): ActorPage {
  return {
    node: m.node,
    under,
    total: m.total,
    offset: m.offset,
    limit,
    actors: m.actors.map((a) => ({
      path: a.path,
      depth: a.depth,
      state: a.state,
      mailbox: a.mailbox,
      processed: a.processed,
      children: a.children,
    })),
  };
}
