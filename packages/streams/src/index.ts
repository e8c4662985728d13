export { type ActorSource, type ActorSourceOptions, actorSource, type ReliableSourceOptions, reliableSource } from "./actor-source.js";
export {
  AlreadyMaterializedError,
  BufferOverflowError,
  ElementNotSerializableError,
  RemoteStreamFailedError,
  StreamCancelledError,
  StreamLinkBrokenError,
  SubscriptionTimeoutError,
} from "./errors.js";
export { Flow } from "./flow.js";
export {
  file_tsakt_streams_v1_streams,
  type StreamCancel,
  StreamCancelSchema,
  type StreamComplete,
  StreamCompleteSchema,
  type StreamDemand,
  StreamDemandSchema,
  type StreamElement,
  StreamElementSchema,
  type StreamFailure,
  StreamFailureSchema,
  type StreamOffer,
  StreamOfferSchema,
} from "./gen/tsakt/streams/v1/streams_pb.js";
export type { BatchOptions, ThrottleOptions } from "./ops.js";
export { StreamsPlugin, streams, streamsOf } from "./plugin.js";
export { type SourceRef, type SourceRefOptions, type SourceRefState, type SourceRefStats, sourceRef } from "./remote/origin.js";
export {
  RemoteSource,
  type RemoteSourceOptions,
  type RemoteSourceState,
  type RemoteSourceStats,
  remoteSource,
} from "./remote/receiver.js";
export { type RemoteSinkOptions, remoteSink, type SinkRef, type SinkRefOptions, sinkRef } from "./remote/sink-ref.js";
export { type RunOptions, Sink, type ToActorOptions, type ToWritableOptions } from "./sink.js";
export { Source } from "./source.js";
export { type WritableSource, writableSource } from "./writable-source.js";
