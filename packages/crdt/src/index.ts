export { CausalContext, type Dot } from "./causal-context.js";
export { decodeReplicatedValue, encodeReplicatedValue } from "./codec.js";
export { type Crdt, type DeltaCrdt, isDeltaCrdt, mergeCrdt, mergeReplicated, type Replicated, withoutDelta } from "./crdt.js";
export { Deleted } from "./deleted.js";
export type { DotEntry, DotStore } from "./dot-store.js";
export { CrdtArgumentError, CrdtDecodeError, CrdtTypeMismatchError } from "./errors.js";
export { Flag } from "./flag.js";
export { fromProto, type KeyedValue, MAX_NESTING } from "./from-proto.js";
export { GCounter } from "./gcounter.js";
export {
  type CounterEntry as CounterEntryProto,
  file_tsakt_crdt_v1_crdt,
  type GCounter as GCounterProto,
  type LWWRegister as LWWRegisterProto,
  type MVRegister as MVRegisterProto,
  type ORMap as ORMapProto,
  type ORSet as ORSetProto,
  type PNCounter as PNCounterProto,
  type ReplicatedValue,
  ReplicatedValueSchema,
} from "./gen/tsakt/crdt/v1/crdt_pb.js";
export { defaultLwwClock, LWWRegister, type LwwClock, reverseLwwClock } from "./lww-register.js";
export { MVRegister } from "./mv-register.js";
export { ORMap } from "./ormap.js";
export { ORSet } from "./orset.js";
export { PNCounter } from "./pncounter.js";
export { compareScalars, type Scalar, type WidenScalar } from "./scalar.js";
export { toProto } from "./to-proto.js";
export type { DeltaReplicatedData, ReplicatedData, ReplicatedDataType } from "./types.js";
export { MAX_COUNT } from "./validate.js";
