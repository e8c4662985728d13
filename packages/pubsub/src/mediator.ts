import { create, isMessage } from "@bufbuild/protobuf";
import { type Actor, type PID, type ReceiveContext, TerminatedSchema } from "@tsakt/actor";
import type { PluginHost } from "@tsakt/actor/internal";
import { PublishCommand, SubscribersQuery, SubscriptionCommand, TopicsQuery } from "./commands.js";
import type { PubSubFanOut } from "./fan-out.js";
import { SubscribeAckSchema, SubscribeSchema, UnsubscribeAckSchema, UnsubscribeSchema } from "./gen/tsakt/pubsub/v1/pubsub_pb.js";
import type { PubSubCounts } from "./metrics.js";
import type { TopicRegistry } from "./registry.js";
import { validateTopic } from "./topic.js";

/**
 * The actor that owns the topic registry: it applies subscriptions in mailbox order, watches subscribers to drop
 * them when they stop, and delivers publications. The registry is created outside it, so a restart keeps it.
 */
export class MediatorActor implements Actor {
  constructor(
    private readonly host: PluginHost,
    private readonly registry: TopicRegistry,
    private readonly fanOut: PubSubFanOut | undefined,
    private readonly counts: PubSubCounts,
  ) {}

  receive(ctx: ReceiveContext): void {
    const m = ctx.message;
    // Publications come first: they are the hot path.
    if (m instanceof PublishCommand) this.publish(ctx, m.topic, m.message, ctx.sender, m.fromPeer);
    else if (m instanceof SubscriptionCommand) this.apply(ctx, m.topic, m.subscriber, m.add);
    else if (isMessage(m, TerminatedSchema)) this.forget(ctx, m.address);
    else if (m instanceof TopicsQuery) ctx.respond(this.registry.topicNames());
    else if (m instanceof SubscribersQuery) ctx.respond([...this.registry.subscribersOf(m.topic)]);
    else if (isMessage(m, SubscribeSchema)) this.applyFromSender(ctx, m.topic, true);
    else if (isMessage(m, UnsubscribeSchema)) this.applyFromSender(ctx, m.topic, false);
    else ctx.unhandled();
  }

  private publish(ctx: ReceiveContext, topic: string, message: unknown, sender: PID | undefined, fromPeer: boolean): void {
    const list = this.registry.subscribersOf(topic);
    for (let i = 0; i < list.length; i++) (list[i] as PID).tell(message, sender);
    let reached = list.length;
    this.counts.delivered += reached;
    if (!fromPeer) this.counts.published++;
    // A publication from another node was fanned out there already; sending it on would echo it back.
    if (!fromPeer && this.fanOut !== undefined) {
      try {
        reached += this.fanOut.publish(topic, message, sender);
      } catch (error) {
        ctx.logger.error({ err: error, topic }, "pubsub fan-out failed to publish; delivered locally only");
      }
    }
    if (reached === 0) {
      this.counts.unheard++;
      this.host.deadLetter(message, sender, ctx.self.address, `no subscribers for topic ${JSON.stringify(topic)}`);
    }
  }

  private apply(ctx: ReceiveContext, topic: string, subscriber: PID, add: boolean): void {
    const address = subscriber.address;
    if (add) {
      const first = !this.registry.has(address);
      if (this.registry.add(topic, subscriber)) this.interest(ctx, topic, true);
      if (first) ctx.watch(subscriber);
      ctx.respond(create(SubscribeAckSchema, { topic, subscriber: address }));
    } else {
      if (this.registry.remove(topic, address)) this.interest(ctx, topic, false);
      if (!this.registry.has(address)) ctx.unwatch(subscriber);
      ctx.respond(create(UnsubscribeAckSchema, { topic, subscriber: address }));
    }
  }

  /** Subscribe or Unsubscribe sent by an actor for itself: the sender is the subscriber and gets the ack. */
  private applyFromSender(ctx: ReceiveContext, topic: string, add: boolean): void {
    const sender = ctx.sender;
    try {
      validateTopic(topic);
    } catch (error) {
      // One actor's bad request must not fail the mediator that serves every topic.
      ctx.logger.warn({ err: error, sender: sender?.address }, "pubsub ignored a subscription with an invalid topic");
      ctx.unhandled();
      return;
    }
    if (sender === undefined) {
      ctx.logger.warn({ topic }, "pubsub ignored a subscription without a sender: send it with ctx.tell");
      ctx.unhandled();
      return;
    }
    this.apply(ctx, topic, sender, add);
  }

  private forget(ctx: ReceiveContext, address: string): void {
    for (const topic of this.registry.removeAll(address)) this.interest(ctx, topic, false);
  }

  private interest(ctx: ReceiveContext, topic: string, interested: boolean): void {
    if (this.fanOut === undefined) return;
    try {
      this.fanOut.interestChanged(topic, interested);
    } catch (error) {
      ctx.logger.error({ err: error, topic, interested }, "pubsub fan-out failed on an interest change");
    }
  }
}
