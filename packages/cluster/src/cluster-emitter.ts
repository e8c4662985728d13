import { create, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import { type ActorSystem, LeaderChangedSchema, NodeJoinedSchema, NodeLeftSchema } from "@tsakt/actor";
import type { ClusterEvent, ClusterEventListener } from "./events.js";
import { memberAddress } from "./member.js";

/** Publishes cluster events: protos on the system's event stream, plain events to the cluster's listeners. */
export class ClusterEmitter {
  readonly listeners = new Set<ClusterEventListener>();
  system: ActorSystem | undefined = undefined;

  /** Publishes a membership event (NodeJoined, NodeLeft or LeaderChanged) and the plain one. */
  emit(event: ClusterEvent): void {
    const system = this.system;
    if (system === undefined) return;
    const member = event.type === "leader-changed" ? event.leader : event.member;
    const address = member === undefined ? "" : memberAddress(member);
    const schema = event.type === "member-joined" ? NodeJoinedSchema : event.type === "member-left" ? NodeLeftSchema : LeaderChangedSchema;
    system.eventStream.publish(create(schema, { address }));
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        system.logger.error({ err: error, event: event.type }, "cluster event listener threw; it stays subscribed");
      }
    }
  }

  /** Publishes a cluster proto event (MemberDowned, SplitBrainDecision, DuplicateStopped, …) on the event stream. */
  publish<Desc extends DescMessage>(schema: Desc, init: MessageInitShape<Desc>): void {
    this.system?.eventStream.publish(create(schema, init));
  }
}
