import { create, isMessage } from "@bufbuild/protobuf";
import type { Actor, ActorSystem, ReceiveContext } from "@tsakt/actor";
import type { Cluster } from "@tsakt/cluster";
import { pageToMessage, type RegistryShare, statsToMessage } from "./cluster-wire.js";
import {
  ActorPageQuerySchema,
  ActorPageSchema,
  ManagementAcceptedSchema,
  ManagementLeaveSchema,
  NodeStatsQuerySchema,
} from "./gen/tsakt/management/v1/management_pb.js";
import { HttpError } from "./http.js";
import { actorPage, nodeStats, type StatsSample } from "./node-view.js";

/** Name of the management actor under /system on every member with clusterManagement(). */
export const managementActorName = "management";

/** What the management actor reads. */
export interface ManagementActorDeps {
  readonly system: ActorSystem;
  readonly cluster: Cluster;
  node(): string;
  url(): string;
  samplesSince(sinceMs: number): StatsSample[];
  registryShare(): RegistryShare;
  /** Leaves the cluster (the leave operation run on this member). */
  leave(): void;
}

/**
 * /system/management: answers other members' management endpoints with this node's numbers and samples, a page of
 * its actors, and runs the leave operation they forward (a member leaves by itself, gracefully).
 */
export class ManagementActor implements Actor {
  constructor(private readonly deps: ManagementActorDeps) {}

  receive(ctx: ReceiveContext): void {
    const m = ctx.message;
    const d = this.deps;
    if (isMessage(m, NodeStatsQuerySchema)) {
      ctx.respond(statsToMessage(nodeStats(d.system, d.node(), d.url()), d.samplesSince(m.sinceMs), d.registryShare()));
    } else if (isMessage(m, ActorPageQuerySchema)) {
      try {
        ctx.respond(
          pageToMessage(actorPage(d.system, d.node(), { under: m.under, offset: m.offset, limit: m.limit, maxDepth: m.maxDepth })),
        );
      } catch (error) {
        if (!(error instanceof HttpError)) throw error;
        // The path names no actor there.
        ctx.respond(create(ActorPageSchema, { node: d.node(), found: false }));
      }
    } else if (isMessage(m, ManagementLeaveSchema)) {
      ctx.respond(create(ManagementAcceptedSchema));
      d.leave();
    } else ctx.unhandled();
  }
}
