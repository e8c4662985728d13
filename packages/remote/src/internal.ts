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
import type { ActorSystem, PID } from "@tsakt/actor";
import type { InboundResolver } from "./node/inbound-routes.js";
import { ReplyPID } from "./node/remote-pid.js";
import { remoteNodeOf } from "./node/remoting.js";

export type { InboundResolver } from "./node/inbound-routes.js";

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

/**
 * Routes what peers send to paths starting with `prefix` ("/system/<name>/…/", ending in "/") to the receiver that
 * `resolve` returns for the rest of the path, instead of to an actor (none is at such a path); an undefined receiver
 * answers ActorNotFound. Clients reach it only when /system/<name> is open to them. Returns the removal; a connection
 * keeps using the receiver it resolved last while that receiver's isAlive() is true.
 */
export function routeInbound(system: ActorSystem, prefix: string, resolve: InboundResolver): () => void {
  return remoteNodeOf(system, "routeInbound()").routes.add(prefix, resolve);
}

/** An ask that arrived from another node, as its receiver sees the sender: the reply reference and the asker's time left. */
export interface IncomingAsk extends PID {
  /** Milliseconds before the asker gives up (0 once past); `fallbackMs` when the asker sent no deadline. */
  remainingMs(fallbackMs: number): number;
}

/** The sender as an IncomingAsk when the message it came with is an ask from another node; undefined otherwise. */
export function incomingAskOf(sender: PID | undefined): IncomingAsk | undefined {
  return sender instanceof ReplyPID ? sender : undefined;
}
