export { currentDelivery, type Delivery, reliableConsumer } from "./consumer.js";
export {
  ConsumerProgressError,
  DeliveryCancelledError,
  PayloadNotSerializableError,
  ProducerClosedError,
  ProducerJournalError,
  UnknownPayloadTypeError,
} from "./errors.js";
export {
  type Cancel,
  CancelSchema,
  type ConsumerProgress,
  ConsumerProgressSchema,
  type Demand,
  DemandSchema,
  file_tsakt_delivery_v1_delivery,
  type Hello,
  HelloSchema,
  Kind,
  type Resync,
  ResyncSchema,
  type Sequenced,
  SequencedSchema,
} from "./gen/tsakt/delivery/v1/delivery_pb.js";
export type { ConsumerOptions, Destination, ProducerOptions, ProgressWrites } from "./options.js";
export { DeliveryPlugin, deliveryOf, reliableDelivery } from "./plugin.js";
export type { ProducerPhase, ProducerStats } from "./producer.js";
export { type ReliableProducer, reliableProducer } from "./reliable-producer.js";
