export { parseRemoteAddress, type RemoteAddress } from "./address.js";
export {
  FrameTooLargeError,
  HandshakeError,
  KindNotRegisteredError,
  ListenError,
  MalformedFrameError,
  OutboundQueueFullError,
  RemoteFailureError,
  RemoteUnreachableError,
  RemotingNotEnabledError,
  SerializationError,
  UnknownMessageTypeError,
} from "./errors.js";
export { type Envelope, EnvelopeKind, EnvelopeSchema } from "./gen/tsakt/remote/v1/envelope_pb.js";
export {
  type ActorRef,
  ActorRefSchema,
  type Failure,
  FailureSchema,
  type Handshake,
  HandshakeSchema,
  type Heartbeat,
  HeartbeatSchema,
  type Lookup,
  LookupSchema,
  type Spawn,
  SpawnSchema,
  type Stop,
  type Stopped,
  StoppedSchema,
  StopSchema,
  type Unwatch,
  UnwatchSchema,
  type Watch,
  WatchSchema,
} from "./gen/tsakt/remote/v1/system_pb.js";
export type { Compression, ReconnectOptions, RemotingOptions, TlsOptions } from "./options.js";
export { type ContextPropagator, metadataOf, propagatedContextOf } from "./propagation.js";
export type { RemoteStats } from "./remote-node.js";
export { RemotePID } from "./remote-pid.js";
export { type Remote, type RequestOptions, remoteOf, remoting } from "./remoting.js";
export { isJsonValue, jsonTypeName, type Serializer } from "./serializer.js";
