import type { Role } from "../gen/tsakt/remote/v1/system_pb.js";
import type { AuthKeys } from "./auth.js";

/** A compression algorithm for a connection; "zstd" needs a Node.js with zlib's zstd (22.15+, 23.8+). */
export type Compression = "none" | "gzip" | "brotli" | "zstd";

/** TLS settings; with them every connection (accepted and dialed) is TLS. */
export interface TlsOptions {
  /** PEM certificate (chain) this node presents, to dialers and when dialing. */
  cert: string | Buffer;
  /** PEM private key of `cert`. */
  key: string | Buffer;
  /** Passphrase of `key`. Default: none. */
  passphrase?: string;
  /** PEM CA certificates that sign the peers' certificates. Default: Node's bundled roots. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Require and verify a client certificate from nodes that connect here (mutual TLS). Default: false. */
  mutual?: boolean;
  /** Verify the certificate of nodes this node dials. Default: true. */
  rejectUnauthorized?: boolean;
  /** Name sent as SNI when dialing (the certificate is checked against the node's URI name, not this). Default: the host of the address. */
  serverName?: string;
}

/** Reconnection after a connection is lost or a dial fails. */
export interface ReconnectOptions {
  /** First delay before redialing. Default: 100. */
  initialDelayMs?: number;
  /** Longest delay between attempts (the delay doubles each time). Default: 5000. */
  maxDelayMs?: number;
  /** After failing this long, queued messages are dropped and dialing stops until the next send. Default: 30000. */
  giveUpAfterMs?: number;
}

/** Shared secrets for the HMAC challenge-response handshake (for clusters without mutual TLS, or on top of it). */
export interface AuthOptions {
  /** The members' shared secret, at least 16 bytes (32 random bytes recommended); every member sets the same one. Required on members. */
  secret?: string | Buffer;
  /** The secret clients prove, at least 16 bytes; set on members that accept clients, and on clients (role "client"). Default: none (members refuse clients). */
  clientSecret?: string | Buffer;
}

/** The checked remoting options the transport reads (remoting's resolved options extend it). */
export interface TransportSettings {
  /** Interface this node listens on; a dialer may name this node by it as well as by advertiseHost. */
  readonly host: string;
  /** What this node is to others: a member or a client. */
  readonly role: Role;
  /** Shared secrets of the HMAC handshake; undefined without. */
  readonly auth: AuthKeys | undefined;
  /** Most connections (open or in their handshake) accepted from one remote IP address. */
  readonly maxConnectionsPerAddress: number;
  /** Most handshakes one remote IP address may start per second (and at once, as a burst). */
  readonly maxHandshakesPerSecond: number;
  /** Most accepted connections in their handshake at once, from all addresses. */
  readonly maxPendingHandshakes: number;
  /** Host other nodes reach this node at, sent in the handshake. */
  readonly advertiseHost: string;
  /** TLS for every connection; undefined for plain TCP. */
  readonly tls: TlsOptions | undefined;
  /** Compression offered (dialing) or accepted, preferred first. */
  readonly compression: readonly Compression[];
  /** Largest frame accepted and sent. */
  readonly maxFrameBytes: number;
  /** Bytes queued per peer before it counts as full. */
  readonly maxOutboundBytes: number;
  /** How long a dial may take until the connection is ready. */
  readonly connectTimeoutMs: number;
  /** How long an accepted connection may take to send its handshake. */
  readonly handshakeTimeoutMs: number;
  /** A connection that received nothing this long is closed as dead. */
  readonly idleTimeoutMs: number;
  /** Redial backoff, with defaults applied. */
  readonly reconnect: Required<ReconnectOptions>;
}
