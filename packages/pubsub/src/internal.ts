// The plugin API of @tsakt/pubsub: the fan-out seam the cluster entry plugs into, for tests and other transports.
// Nothing here is covered by the public API report; it may change in any release.
import type { Plugin } from "@tsakt/actor";
import type { PubSubFanOut } from "./fan-out.js";
import { PubSub, type PubSubOptions, validateOptions } from "./pubsub.js";

export type { PubSubFanOut } from "./fan-out.js";
export {
  file_tsakt_pubsub_v1_cluster,
  type Publication,
  PublicationSchema,
  type TopicInterest,
  TopicInterestSchema,
} from "./gen/tsakt/pubsub/v1/cluster_pb.js";
export type { FanOutCounts } from "./metrics.js";
export { type FanOutFactory, PubSub } from "./pubsub.js";

/** A pub/sub plugin whose publications and interest changes also go to `fanOut` (how clusterPubSub reaches other nodes). */
export function pubsubWithFanOut(fanOut: PubSubFanOut, options: PubSubOptions = {}): Plugin & PubSub {
  validateOptions(options, new Set(["name", "askTimeoutMs"]), "pubsub");
  return new PubSub(options, () => ({
    interestChanged: (topic, interested) => fanOut.interestChanged(topic, interested),
    publish: (topic, message, sender) => fanOut.publish(topic, message, sender),
    attach: async () => {},
  }));
}
