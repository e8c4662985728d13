// The replicator entry, `@tsakt/crdt/cluster`: needs @tsakt/cluster and @tsakt/remote; the types in the main entry do not.

// The types the replicator's signatures name, so this entry stands on its own.
export type { Crdt, Replicated } from "./crdt.js";
export type { KeyedValue } from "./from-proto.js";
export {
  type Changed,
  ChangedSchema,
  file_tsakt_crdt_v1_replicator,
} from "./gen/tsakt/crdt/v1/replicator_pb.js";
export { changedValue } from "./replicator/changed.js";
export { ConsistencyNotMetError, KeyDeletedError, ReplicatorNotRunningError, type ReplicatorOperation } from "./replicator/errors.js";
export type { ReplicatorStats } from "./replicator/node.js";
export {
  type Consistency,
  type ReadOptions,
  type ReplicatorOptions,
  replicatorDefaults,
  type WriteOptions,
} from "./replicator/options.js";
export { MAX_KEY_LENGTH, type Modify, type Replicator, replicator, replicatorOf, replicatorTypes } from "./replicator/plugin.js";
