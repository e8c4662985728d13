import { CrdtDecodeError } from "../errors.js";
import { fromProto, type KeyedValue } from "../from-proto.js";
import type { Changed } from "../gen/tsakt/crdt/v1/replicator_pb.js";

/** The key and value a `Changed` notification carries (the value is `Deleted.instance` for a deleted key). */
export function changedValue(message: Changed): KeyedValue {
  if (message.value === undefined) throw new CrdtDecodeError(`the Changed message of ${JSON.stringify(message.key)} holds no value`);
  return fromProto(message.value);
}
