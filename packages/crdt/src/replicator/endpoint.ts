import { isMessage } from "@bufbuild/protobuf";
import type { Actor, ReceiveContext } from "@tsakt/actor";
import { DeltaGossipSchema, ReadSchema, StateGossipSchema, StatusSchema, WriteSchema } from "../gen/tsakt/crdt/v1/replicator_pb.js";
import type { ReplicatorNode } from "./node.js";

/**
 * The system actor `/system/<name>` the other nodes' replicators talk to: it hands their gossip, writes, reads and
 * anti-entropy messages to this node's ReplicatorNode, and answers writes and reads.
 */
export class ReplicatorEndpoint implements Actor {
  constructor(private readonly node: ReplicatorNode) {}

  receive(ctx: ReceiveContext): void {
    const m = ctx.message;
    if (isMessage(m, DeltaGossipSchema)) this.node.receiveDeltas(m);
    else if (isMessage(m, WriteSchema)) ctx.respond(this.node.receiveWrite(m));
    else if (isMessage(m, ReadSchema)) ctx.respond(this.node.receiveRead(m));
    else if (isMessage(m, StatusSchema)) this.node.receiveStatus(m);
    else if (isMessage(m, StateGossipSchema)) this.node.receiveState(m);
    else ctx.unhandled();
  }
}
