import type { Attributes, Meter } from "@tsakt/actor/internal";
import type { TopicRegistry } from "./registry.js";

/** What the mediator counted: plain integers, read by the instruments at collection time. */
export class PubSubCounts {
  /** Publications made on this node (publish()). */
  published = 0;
  /** Messages handed to this node's subscribers, one per subscriber, publications from other nodes included. */
  delivered = 0;
  /** Publications that reached no subscriber on any node (they became dead letters). */
  unheard = 0;
}

/** What a cross-node fan-out counted; a local pub/sub has none. */
export interface FanOutCounts {
  /** Publications handed to other nodes, one per node. */
  readonly forwarded: number;
  /** Publications from other nodes dropped as repeats of one already delivered. */
  readonly duplicates: number;
  /** Publications from other nodes dropped because their payload or topic could not be read here. */
  readonly unreadable: number;
}

/** What pub/sub's instruments read at collection time. */
export interface PubSubMetricsSource {
  readonly system: string;
  readonly counts: PubSubCounts;
  readonly registry: TopicRegistry;
  /** The fan-out's counts; undefined without one. */
  fanOutCounts(): FanOutCounts | undefined;
}

const dropReason = "tsakt.pubsub.drop.reason";

/**
 * Pub/sub's instruments, all observed at collection time: publications made, deliveries to local subscribers,
 * publications forwarded to and dropped from other nodes, and the current subscriptions and topics.
 */
export function instrumentPubSub(meter: Meter, source: PubSubMetricsSource): void {
  const base: Attributes = { "tsakt.system": source.system };
  const { counts, registry } = source;
  meter
    .createObservableCounter("tsakt.pubsub.published", { description: "Publications made on this node", unit: "{message}" })
    .addCallback((r) => r.observe(counts.published, base));
  meter
    .createObservableCounter("tsakt.pubsub.delivered", {
      description: "Messages delivered to this node's subscribers, one per subscriber",
      unit: "{message}",
    })
    .addCallback((r) => r.observe(counts.delivered, base));
  meter
    .createObservableCounter("tsakt.pubsub.forwarded", {
      description: "Publications sent to other nodes with subscribers of their topic, one per node",
      unit: "{message}",
    })
    .addCallback((r) => {
      const fanOut = source.fanOutCounts();
      if (fanOut !== undefined) r.observe(fanOut.forwarded, base);
    });
  meter
    .createObservableCounter("tsakt.pubsub.dropped", {
      description: "Publications dropped, by reason: no subscribers anywhere, a duplicate from another node, unreadable",
      unit: "{message}",
    })
    .addCallback((r) => {
      r.observe(counts.unheard, { ...base, [dropReason]: "no_subscribers" });
      const fanOut = source.fanOutCounts();
      if (fanOut === undefined) return;
      r.observe(fanOut.duplicates, { ...base, [dropReason]: "duplicate" });
      r.observe(fanOut.unreadable, { ...base, [dropReason]: "unreadable" });
    });
  meter
    .createObservableUpDownCounter("tsakt.pubsub.subscribers", {
      description: "Subscriptions on this node (an actor subscribed to two topics counts twice)",
      unit: "{subscriber}",
    })
    .addCallback((r) => r.observe(registry.subscriptionCount(), base));
  meter
    .createObservableUpDownCounter("tsakt.pubsub.topics", { description: "Topics with subscribers on this node", unit: "{topic}" })
    .addCallback((r) => r.observe(registry.topicCount(), base));
}
