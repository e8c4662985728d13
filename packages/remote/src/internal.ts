// The plugin API of @tsakt/remote: what sibling packages (cluster, grains, pub/sub) and tests need, and users do
// not. Nothing here is covered by the public API report; it may change in any release.
export { type Envelope, EnvelopeKind, EnvelopeSchema, file_tsakt_remote_v1_envelope } from "./gen/tsakt/remote/v1/envelope_pb.js";
export {
  type ActorRef,
  ActorRefSchema,
  AuthMethod,
  type Challenge,
  ChallengeSchema,
  type Failure,
  FailureSchema,
  file_tsakt_remote_v1_system,
  type Handshake,
  HandshakeSchema,
  type Heartbeat,
  HeartbeatSchema,
  type Hello,
  HelloSchema,
  type Lookup,
  LookupSchema,
  Role,
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
export { remoteNodeOf } from "./node/remoting.js";

import type { Registry } from "@bufbuild/protobuf";
import type { ActorSystem } from "@tsakt/actor";
import { remoteNodeOf } from "./node/remoting.js";

/** The protobuf registry remoting decodes with on `system`: TsAkt's, every plugin's and the user's types. */
export function remoteTypesOf(system: ActorSystem, neededBy: string): Registry {
  return remoteNodeOf(system, neededBy).serialization.registry;
}

/**
 * Lets connections that authenticated as clients reach the system actor /system/<name> of `system` (and its
 * children). Every other system actor is for members only: plugins whose system actors serve clients (a client
 * gateway) call this once at start.
 */
export function openToClients(system: ActorSystem, name: string): void {
  remoteNodeOf(system, "openToClients()").access.openSystemActor(name);
}
