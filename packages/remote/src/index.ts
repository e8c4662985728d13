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
  SerializationError,
  UnknownMessageTypeError,
} from "./errors.js";
export type { Compression, ReconnectOptions, RemotingOptions, TlsOptions } from "./options.js";
export { type ContextPropagator, metadataOf, propagatedContextOf } from "./propagation.js";
export type { RemoteStats } from "./remote-node.js";
export { RemotePID } from "./remote-pid.js";
export { type Remote, type RequestOptions, remoteOf, remoting } from "./remoting.js";
export { isJsonValue, jsonTypeName, type Serializer } from "./serializer.js";
