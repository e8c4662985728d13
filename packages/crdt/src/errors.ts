import { TsaktError } from "@tsakt/actor";

/** An update was given an argument it cannot apply: an empty node id, a negative or fractional amount, a value of an unsupported kind. */
export class CrdtArgumentError extends TsaktError {
  constructor(
    /** Name of the argument at fault, for example "node" or "amount". */
    readonly argument: string,
    reason: string,
  ) {
    super("CrdtInvalidArgument", `invalid ${argument}: ${reason}`);
  }
}

/** Bytes or a protobuf message could not be read as a replicated value; the value was not applied. */
export class CrdtDecodeError extends TsaktError {
  constructor(reason: string, options?: ErrorOptions) {
    super(
      "CrdtDecode",
      `cannot decode a replicated value: ${reason}; the sender is not speaking tsakt.crdt.v1 or the bytes were damaged`,
      options,
    );
  }
}

/** Two values of different types were merged, for example a GCounter and an ORSet stored under one key. */
export class CrdtTypeMismatchError extends TsaktError {
  constructor(
    readonly expected: string,
    readonly actual: string,
    where: string,
  ) {
    super(
      "CrdtTypeMismatch",
      `cannot merge a ${actual} into a ${expected} (${where}); every replica must use the same type for a key: pick a new key or delete the old one first`,
    );
  }
}
