import { TsaktError } from "@tsakt/actor";

/** The consumer cancelled the producer (a cancelled stream, or a consumer that refused it); `reason` says why. */
export class DeliveryCancelledError extends TsaktError {
  constructor(
    readonly producerId: string,
    readonly reason: string,
  ) {
    super("DeliveryCancelled", `the consumer of producer "${producerId}" cancelled it: ${reason}; create a new producer to send again`);
  }
}

/** The producer was closed (close(), end(), or its system stopped) before the call could complete. */
export class ProducerClosedError extends TsaktError {
  constructor(readonly producerId: string) {
    super("ProducerClosed", `producer "${producerId}" is closed; create a new producer to send again`);
  }
}

/** A message cannot cross to another node: it is not a protobuf message of a type remoting knows. */
export class PayloadNotSerializableError extends TsaktError {
  constructor(
    readonly typeName: string,
    readonly producerId: string,
  ) {
    super(
      "PayloadNotSerializable",
      `producer "${producerId}" cannot carry a ${typeName} to another node: send protobuf messages and list their schemas in remoting({ types }) on every node`,
    );
  }
}

/** The producer's journal failed (durable mode); `cause` is the store's error. */
export class ProducerJournalError extends TsaktError {
  constructor(
    readonly producerId: string,
    operation: string,
    options?: ErrorOptions,
  ) {
    super(
      "ProducerJournal",
      `producer "${producerId}" could not ${operation} its journal; check the store and create the producer again`,
      options,
    );
  }
}

/** A consumer received a message of a protobuf type its node does not know, so it cancelled the producer. */
export class UnknownPayloadTypeError extends TsaktError {
  constructor(readonly typeUrl: string) {
    super(
      "UnknownPayloadType",
      `a reliable consumer received a ${typeUrl} it cannot decode: list its schema in remoting({ types }) on the consumer's node too`,
    );
  }
}

/** A consumer's progress store failed to load or save (durable consumer progress); `cause` is the store's error. */
export class ConsumerProgressError extends TsaktError {
  constructor(
    readonly key: string,
    operation: string,
    options?: ErrorOptions,
  ) {
    super(
      "ConsumerProgress",
      `a reliable consumer could not ${operation} its progress "${key}": messages it processed since its last stored progress are delivered again; check the store`,
      options,
    );
  }
}
