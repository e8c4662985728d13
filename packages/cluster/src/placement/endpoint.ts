import { create } from "@bufbuild/protobuf";
import type { Actor, ActorSystem, ReceiveContext } from "@tsakt/actor";
import { type Hosted, HostedSchema, LoadQuerySchema, LoadReportSchema } from "../gen/tsakt/cluster/v1/placement_pb.js";

/** Answers LoadQuery with this node's live actor count (least-load placement elsewhere) and passes Hosted notes on. */
export class PlacementEndpoint implements Actor {
  constructor(
    private readonly system: ActorSystem,
    private readonly hosted: (note: Hosted) => void,
  ) {}

  receive(ctx: ReceiveContext): void {
    if (ctx.is(LoadQuerySchema)) ctx.respond(create(LoadReportSchema, { actors: this.system.actorCount }));
    else if (ctx.is(HostedSchema)) this.hosted(ctx.message);
  }
}
