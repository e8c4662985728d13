export type { Cluster } from "./cluster.js";
export { type BeforeLeaveListener, clusterOf, type LeaveReason } from "./cluster-basics.js";
export type { ClusterDatacenter } from "./datacenter.js";
export type { DuplicatesListener } from "./duplicates.js";
export {
  ClusterAlreadyStartedError,
  ClusterNotRunningError,
  ClusterRequestTimeoutError,
  ClusterUnreachableError,
  NoEligibleMemberError,
  RegistryUnavailableError,
  RegistryWriteQuorumError,
} from "./errors.js";
export type { ClusterEvent, ClusterEventListener } from "./events.js";
export {
  type ClusterMessage,
  ClusterMessageSchema,
  type Member,
  MemberSchema,
  type MemberState,
  MemberStateSchema,
  MemberStatus,
  type RegistryEntry,
  RegistryEntrySchema,
} from "./gen/tsakt/cluster/v1/cluster_pb.js";
export {
  type DuplicateStopped,
  DuplicateStoppedSchema,
  type MemberDowned,
  MemberDownedSchema,
  type RelocationFailed,
  RelocationFailedSchema,
  type SplitBrainDecision,
  SplitBrainDecisionSchema,
} from "./gen/tsakt/cluster/v1/events_pb.js";
export { type PlacedActor, PlacedActorSchema } from "./gen/tsakt/cluster/v1/placement_pb.js";
export { InMemoryLease, type Lease } from "./lease.js";
export { type ClusterMember, isOlder, type MemberStatusName, memberAddress } from "./member.js";
export { type ClusterOptions, clusterDefaults } from "./options.js";
export { PartitionTable } from "./partition-table.js";
export { actorKeyPrefix, type PlacementStrategy, type SingletonOptions, type SpawnOnOptions } from "./placement/options.js";
export { cluster, spawnOn, spawnSingleton } from "./plugin.js";
export { Registry, type RegistryPutOptions, type RegistryPutResult, type RegistryRemoveOptions, type RegistryStats } from "./registry.js";
export type { ConflictListener, OwnerLostListener } from "./registry-replica.js";
export { type RemotingTransportOptions, remotingTransport } from "./remoting-transport.js";
export type { DowningOptions, DowningStrategyName } from "./sbr/options.js";
export type { ClusterMessageHandler, ClusterReply, ClusterTransport, MemberAddress } from "./transport.js";
