import { isMessage } from "@bufbuild/protobuf";
import type { Actor, ReceiveContext } from "@tsakt/actor";
import type { ClusterFanOut } from "./cluster-fan-out.js";
import { PublicationSchema, TopicInterestSchema } from "./gen/tsakt/pubsub/v1/cluster_pb.js";

/**
 * The system actor other nodes' pub/sub talks to: it receives their publications and topic interest and hands
 * them to this node's ClusterFanOut, one at a time in arrival order, and repairs lost interest updates periodically.
 * The fan-out follows membership while the gateway runs (a restart closes and reopens it).
 */
export class ClusterGatewayActor implements Actor {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly fanOut: ClusterFanOut,
    private readonly interestSyncIntervalMs: number,
  ) {}

  preStart(): void {
    this.fanOut.open();
    this.timer = setInterval(() => this.fanOut.sendInterest(), this.interestSyncIntervalMs);
    this.timer.unref();
  }

  receive(ctx: ReceiveContext): void {
    const m = ctx.message;
    if (isMessage(m, PublicationSchema)) this.fanOut.receivePublication(m, ctx.self.address);
    else if (isMessage(m, TopicInterestSchema)) this.fanOut.receiveInterest(m);
    else ctx.unhandled();
  }

  postStop(): void {
    clearInterval(this.timer);
    this.fanOut.close();
  }
}
