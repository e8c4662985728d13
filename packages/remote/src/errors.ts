import { TsaktError } from "@tsakt/actor";

/** A frame's declared length is above the receiving side's maxFrameBytes; the connection is closed. */
export class FrameTooLargeError extends TsaktError {
  constructor(
    readonly size: number,
    readonly limit: number,
    readonly peer: string,
  ) {
    super(
      "FrameTooLarge",
      `frame of ${size} bytes from ${peer} exceeds maxFrameBytes ${limit}; the connection was closed (send smaller messages or raise maxFrameBytes on both nodes)`,
    );
  }
}

/** Bytes on a connection are not a valid TsAkt frame or envelope; the connection is closed. */
export class MalformedFrameError extends TsaktError {
  constructor(
    readonly peer: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(
      "MalformedFrame",
      `malformed frame from ${peer}: ${reason}; the connection was closed (is the peer a TsAkt node of the same protocol version?)`,
      options,
    );
  }
}

/** No serializer knows this message type, so it cannot cross a process. */
export class UnknownMessageTypeError extends TsaktError {
  constructor(
    readonly typeName: string,
    where: string,
  ) {
    super(
      "UnknownMessageType",
      `no serializer for message type "${typeName}" ${where}; register its schema with remoting({ types: [...] }), enable json for plain objects, or add a serializer`,
    );
  }
}

/** A registered serializer failed to encode or decode a message. */
export class SerializationError extends TsaktError {
  constructor(
    readonly typeName: string,
    cause: unknown,
  ) {
    super(
      "SerializationFailed",
      `could not serialize or deserialize a "${typeName}": ${cause instanceof Error ? cause.message : String(cause)}; check that both nodes register the same schema`,
      { cause },
    );
  }
}

/** The remote node cannot be reached, or the connection to it was lost while a request was in flight. */
export class RemoteUnreachableError extends TsaktError {
  constructor(
    readonly address: string,
    cause?: unknown,
  ) {
    super(
      "RemoteUnreachable",
      `remote node ${address} is unreachable${cause === undefined ? "" : ` (${cause instanceof Error ? cause.message : String(cause)})`}; check that it runs and listens there, then retry`,
      cause === undefined ? undefined : { cause },
    );
  }
}

/** The per-peer outbound queue is full: the peer reads slower than this node sends. */
export class OutboundQueueFullError extends TsaktError {
  constructor(
    readonly address: string,
    readonly limit: number,
  ) {
    super(
      "OutboundQueueFull",
      `outbound queue to ${address} is full (${limit} bytes); slow down, await pid.send(), or raise maxOutboundBytes`,
    );
  }
}

/** The two nodes could not agree on a connection (version, system name, TLS). */
export class HandshakeError extends TsaktError {
  constructor(
    readonly peer: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super("HandshakeFailed", `handshake with ${peer} failed: ${reason}`, options);
  }
}

/** A remote spawn named a kind the target node did not register in remoting({ kinds }). */
export class KindNotRegisteredError extends TsaktError {
  constructor(
    readonly kind: string,
    readonly node: string,
  ) {
    super("KindNotRegistered", `actor kind "${kind}" is not registered on ${node}; add it to remoting({ kinds }) on that node`);
  }
}

/** A remote node reported a failure whose code has no local class; `code` is the remote code. */
export class RemoteFailureError extends TsaktError {
  constructor(
    code: string,
    message: string,
    /** Address of the actor or node that failed. */
    readonly target: string,
  ) {
    super(code === "" ? "RemoteFailure" : code, `${message} (reported by ${target})`);
  }
}

/** Remoting could not listen on its host and port. */
export class ListenError extends TsaktError {
  constructor(
    readonly host: string,
    readonly port: number,
    cause: unknown,
  ) {
    super(
      "ListenFailed",
      `remoting could not listen on ${host}:${port} (${cause instanceof Error ? cause.message : String(cause)}); pick another port or free this one`,
      { cause },
    );
  }
}

/** The other side could not prove the cluster's shared secret (or this node could not), or its role is not accepted here. */
export class AuthenticationError extends TsaktError {
  constructor(
    /** The other side: its address, or the socket's remote address before it said who it is. */
    readonly peer: string,
    reason: string,
  ) {
    super(
      "AuthenticationFailed",
      `authentication with ${peer} failed: ${reason}; check that both nodes use the same remoting({ auth }) settings`,
    );
  }
}

/** A certificate or an address does not name the identity a node claims in its handshake. */
export class IdentityMismatchError extends TsaktError {
  constructor(
    /** The other side: its address, or the socket's remote address before it said who it is. */
    readonly peer: string,
    reason: string,
  ) {
    super("IdentityMismatch", `identity of ${peer} not accepted: ${reason}`);
  }
}

/** A compression algorithm was asked for that this Node.js runtime does not have (zstd needs Node 22.15+ or 23.8+). */
export class CompressionUnavailableError extends TsaktError {
  constructor(
    /** The algorithm asked for. */
    readonly compression: string,
  ) {
    super(
      "CompressionUnavailable",
      `compression "${compression}" is not available in Node.js ${process.version} (zstd needs Node 22.15+ or 23.8+); use "gzip" or "brotli", or upgrade Node.js`,
    );
  }
}

/** A connection was refused because it is over one of remoting's connection limits. */
export class ConnectionLimitError extends TsaktError {
  constructor(
    /** The remote address (IP) the connection came from. */
    readonly address: string,
    /** The option whose limit was reached, for example "maxConnectionsPerAddress". */
    readonly limit: string,
    /** The limit's value. */
    readonly value: number,
  ) {
    super(
      "ConnectionLimit",
      `refused a connection from ${address}: over ${limit} (${value}); raise it in remoting({ ${limit} }) if this traffic is legitimate`,
    );
  }
}

/** A client connection sent something only cluster members may send (a members-only system actor, spawn, stop). */
export class AccessDeniedError extends TsaktError {
  constructor(
    /** What was refused: an actor address or an operation. */
    readonly target: string,
    /** The client connection that sent it. */
    readonly peer: string,
  ) {
    super(
      "AccessDenied",
      `${target} is for cluster members only and ${peer} connected as a client; clients may call /user actors and the system actors opened to clients`,
    );
  }
}
