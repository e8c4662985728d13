/** A compression algorithm for a connection. */
export type Compression = "none" | "gzip" | "brotli";

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
  /** Name checked against the dialed node's certificate and sent as SNI. Default: the host of the address. */
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

/** The checked remoting options the transport reads (remoting's resolved options extend it). */
export interface TransportSettings {
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
