export {
  AccessDeniedError,
  AuthenticationError,
  CompressionUnavailableError,
  ConnectionLimitError,
  FrameTooLargeError,
  HandshakeError,
  IdentityMismatchError,
  KindNotRegisteredError,
  ListenError,
  MalformedFrameError,
  OutboundQueueFullError,
  RemoteFailureError,
  RemoteUnreachableError,
  SerializationError,
  UnknownMessageTypeError,
} from "./errors.js";
export { parseRemoteAddress, type RemoteAddress } from "./node/address.js";
export type { RemotingOptions } from "./node/options.js";
export { type ContextPropagator, metadataOf, propagatedContextOf } from "./node/propagation.js";
export type { RemoteStats } from "./node/remote-node.js";
export { RemotePID } from "./node/remote-pid.js";
export { type Remote, type RequestOptions, remoteOf, remoting } from "./node/remoting.js";
export { type OtelPropagationApi, traceContextPropagator } from "./node/trace-context.js";
export type { OtelTracingApi, RemoteTracingOptions, SpanAttributes, SpanLike, TracerLike } from "./node/tracing.js";
export type { AuthOptions, Compression, ReconnectOptions, TlsOptions } from "./transport/settings.js";
export { isJsonValue, jsonTypeName, type Serializer } from "./wire/serializer.js";
