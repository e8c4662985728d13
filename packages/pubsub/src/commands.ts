import type { PID } from "@tsakt/actor";

// What the PubSub handle sends its mediator. They stay in-process (they carry PID objects and any message), so
// they are plain classes; actors and other nodes speak the protobuf messages in proto/tsakt/pubsub/v1 instead.

/** Deliver `message` to the subscribers of `topic`; `fromPeer` marks one that came from another node. */
export class PublishCommand {
  constructor(
    readonly topic: string,
    readonly message: unknown,
    readonly fromPeer: boolean,
  ) {}
}

/** Add (`add` true) or remove `subscriber` on `topic`, answered with SubscribeAck or UnsubscribeAck. */
export class SubscriptionCommand {
  constructor(
    readonly topic: string,
    readonly subscriber: PID,
    readonly add: boolean,
  ) {}
}

/** Answered with the sorted topic names that have subscribers. */
export class TopicsQuery {}

/** Answered with the subscribers of `topic`. */
export class SubscribersQuery {
  constructor(readonly topic: string) {}
}
