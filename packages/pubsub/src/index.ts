export {
  type Subscribe,
  type SubscribeAck,
  SubscribeAckSchema,
  SubscribeSchema,
  type Unsubscribe,
  type UnsubscribeAck,
  UnsubscribeAckSchema,
  UnsubscribeSchema,
} from "./gen/tsakt/pubsub/v1/pubsub_pb.js";
export { defaultMediatorName, type PubSub, type PubSubOptions, pubsub, pubsubOf } from "./pubsub.js";
export { maxTopicLength, validateTopic } from "./topic.js";
