import { TsaktError } from "@tsakt/actor";

/** The stream was cancelled through the AbortSignal given to runWith; `reason` is the signal's reason. */
export class StreamCancelledError extends TsaktError {
  constructor(readonly reason: unknown) {
    super("StreamCancelled", `the stream was cancelled (${String(reason)}); run the source again for a new stream`, { cause: reason });
  }
}

/** A one-shot source (an actor source, a writable source, a remote source) was run a second time. */
export class AlreadyMaterializedError extends TsaktError {
  constructor(readonly what: string) {
    super("AlreadyMaterialized", `${what} can be run only once; create a new one for another stream`);
  }
}

/** An actor source received more elements than its buffer holds (overflow "fail"). */
export class BufferOverflowError extends TsaktError {
  constructor(readonly bufferSize: number) {
    super(
      "BufferOverflow",
      `the actor source's buffer of ${bufferSize} elements is full; raise bufferSize, use overflow "backpressure" and send() to it, or slow the senders`,
    );
  }
}

/** An element cannot cross to another node: it is not a protobuf message of a type remoting knows. */
export class ElementNotSerializableError extends TsaktError {
  constructor(readonly typeName: string) {
    super(
      "ElementNotSerializable",
      `a stream element of type ${typeName} cannot cross nodes: emit protobuf messages and list their schemas in remoting({ types }) on both nodes`,
    );
  }
}

/** The other side of a remote stream failed: its source or a stage before the reference threw. */
export class RemoteStreamFailedError extends TsaktError {
  constructor(
    readonly reason: string,
    /** The error code the failure had on the other node ("" when it was not a TsaktError). */
    readonly remoteCode: string,
  ) {
    super("RemoteStreamFailed", `the remote source of this stream failed: ${reason}`);
  }
}

/** The link of a remote stream broke: the other side stopped, its node became unreachable, or an element was lost. */
export class StreamLinkBrokenError extends TsaktError {
  constructor(readonly detail: string) {
    super("StreamLinkBroken", `the remote stream broke: ${detail}; run the stream again from a new source reference`);
  }
}

/** A source reference was not subscribed within its subscriptionTimeoutMs, so it cancelled its source. */
export class SubscriptionTimeoutError extends TsaktError {
  constructor(
    readonly address: string,
    readonly timeoutMs: number,
  ) {
    super(
      "SubscriptionTimeout",
      `no remoteSource subscribed to ${address} within ${timeoutMs} ms, so its source was cancelled; subscribe sooner or raise subscriptionTimeoutMs`,
    );
  }
}
