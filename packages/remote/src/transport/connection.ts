import type { Socket } from "node:net";
import type { Transform } from "node:stream";
import { createBrotliCompress, createBrotliDecompress, createGunzip, createGzip, constants as zc } from "node:zlib";
import { type Logger, type PID, TsaktError } from "@tsakt/actor";
import { FrameTooLargeError, HandshakeError, MalformedFrameError, RemoteUnreachableError } from "../errors.js";
import { Role } from "../gen/tsakt/remote/v1/system_pb.js";
import { decodeEnvelope, EnvelopeDecodeError, InboundEnvelope, KIND_ERROR } from "../wire/envelope-codec.js";
import { FrameReader, type FrameSink } from "../wire/frame-reader.js";
import type { ByteSink, FrameWriter } from "../wire/frame-writer.js";
import type { PayloadDecoder } from "../wire/serialization.js";
import type { BusyPoll } from "./busy-poll.js";
import { handshakeFrameLimit, heartbeatFrame, type RemoteIdentity, refusalFrame } from "./handshake.js";
import { type HandshakeSelf, HandshakeSession, type Target } from "./handshake-session.js";
import type { Compression } from "./settings.js";
import type { TrafficCounters } from "./traffic.js";
import { zstdStreams } from "./zstd.js";

/** A compression stream; zlib and brotli streams both flush with a kind. */
type Deflater = Transform & { flush(kind?: number): void };

const HANDSHAKE = 0;
const OPEN = 1;
const CLOSED = 2;

/** The side of a peer a connection sees (Peer implements it). */
export interface ConnectionPeer {
  /** System name expected at the other end; "" when not known yet. */
  readonly system: string;
  /** Host and port this node dials. */
  readonly host: string;
  readonly port: number;
  /** "tsakt://system@host:port", for logs and errors. */
  readonly prefix: string;
  /** `c` drained after a write had to wait: more may be written now. */
  onDrain(c: Connection<ConnectionPeer>): void;
}

/** Where a connection hands its decoded envelopes (the node's inbound routing). */
export interface EnvelopeHandler<P extends ConnectionPeer> {
  /** Routes one envelope of `c`; its fields point into `buf`, valid only during the call. */
  onEnvelope(c: Connection<P>, buf: Buffer, env: InboundEnvelope): void;
}

/** What a connection needs from the node that owns it (RemoteNode implements it). */
export interface ConnectionHost<P extends ConnectionPeer> extends HandshakeSelf {
  readonly logger: Logger;
  /** Poked on every read and write when busyPollMicros is on. */
  readonly busyPoll: BusyPoll | undefined;
  /** Routes what arrives once the handshake is done. */
  readonly inbound: EnvelopeHandler<P>;
  /** Frame and byte counts, for metrics. */
  readonly traffic: TrafficCounters;
  /** `c` finished its handshake with the node `remote`; returns the error to refuse it with (an address already taken). */
  attach(c: Connection<P>, remote: RemoteIdentity): Error | undefined;
  /** `c` closed, because of `error` when there was one. */
  detach(c: Connection<P>, error: unknown): void;
  /** Logs why `c` closed (in its handshake when `handshaking`), at most once per interval for each kind of failure. */
  connectionFailed(c: Connection<P>, error: unknown, handshaking: boolean): void;
}

/**
 * One TCP or TLS socket to a peer: handshake, optional compression, frame splitting, and the per-connection caches
 * that let repeated receivers, senders and types skip decoding. Frames go to the node for routing.
 */
export class Connection<P extends ConnectionPeer = ConnectionPeer> implements FrameSink {
  private state = HANDSHAKE;
  peer: P | undefined;
  remote: RemoteIdentity | undefined = undefined;
  /** True when the other side authenticated as a client: it may not reach members-only actors. */
  isClient = false;
  /** Superseded by the other connection of a simultaneous dial; kept only to read what is in flight. */
  retired = false;
  compression: Compression = "none";
  readSinceCheck = true;
  wroteSinceCheck = false;
  private idleMs = 0;
  private reader: FrameReader;
  private sink: ByteSink;
  private deflater: Deflater | undefined = undefined;
  private inflater: Transform | undefined = undefined;
  private flushKind = 0;
  private switchTo: Compression | undefined = undefined;
  private error: unknown = undefined;
  private timer: NodeJS.Timeout | undefined;
  private drainHooked = false;
  private session: HandshakeSession | undefined;
  /** end() was called: nothing more is written, but frames still arriving are read until the peer closes. */
  private closing = false;
  readonly env = new InboundEnvelope();
  /** Last receiver seen and what it resolved to. */
  receiverBytes: Buffer | undefined = undefined;
  receiverAddress = "";
  receiverPid: PID | undefined = undefined;
  /** The last receiver is one this client connection may not reach. */
  receiverDenied = false;
  /** Last payload type seen and its decoder. */
  typeBytes: Buffer | undefined = undefined;
  typeName = "";
  decoder: PayloadDecoder | undefined = undefined;
  /** Last sender address seen. */
  senderBytes: Buffer | undefined = undefined;
  senderAddress = "";
  readonly label: string;

  constructor(
    private readonly node: ConnectionHost<P>,
    readonly socket: Socket,
    /** True when this node dialed (it then sent its handshake first). */
    readonly dialed: boolean,
    dialPeer: P | undefined,
  ) {
    this.peer = dialPeer;
    this.label = dialPeer?.prefix ?? `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`;
    this.sink = socket;
    this.reader = new FrameReader(handshakeFrameLimit, this);
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (error: Error) => {
      this.error ??= error;
    });
    socket.on("close", () => this.onClose());
    // A dial's budget covers connecting, TLS and the handshake; an accepted socket gets the handshake budget.
    const timeoutMs = dialed ? node.options.connectTimeoutMs : node.options.handshakeTimeoutMs;
    this.timer = setTimeout(() => this.fail(new HandshakeError(this.label, `connection not ready within ${timeoutMs} ms`)), timeoutMs);
    this.timer.unref();
    const target: Target | undefined =
      dialPeer === undefined ? undefined : { system: dialPeer.system, host: dialPeer.host, port: dialPeer.port };
    this.session = new HandshakeSession(node, socket, dialed, target, this.label);
    if (dialed) socket.write(this.session.hello());
  }

  /** Open and usable for sending (not closing). */
  get isOpen(): boolean {
    return this.state === OPEN && !this.closing;
  }

  get isClosed(): boolean {
    return this.state === CLOSED;
  }

  /** Bytes written to this connection that the kernel has not taken yet. */
  backlog(): number {
    const d = this.deflater;
    return this.socket.writableLength + (d === undefined ? 0 : d.writableLength + d.readableLength);
  }

  // ---- reading ----

  private onData(chunk: Buffer): void {
    this.readSinceCheck = true;
    this.node.busyPoll?.poke();
    if (this.state === CLOSED) return;
    if (this.inflater !== undefined) {
      this.inflater.write(chunk);
      return;
    }
    this.push(chunk);
    if (this.switchTo !== undefined && this.state === OPEN) this.startCompression(this.switchTo);
  }

  private push(chunk: Buffer): void {
    try {
      this.reader.push(chunk);
    } catch (error) {
      // A bug or hostile input must cost this connection only, never the process.
      this.fail(
        error instanceof EnvelopeDecodeError || !(error instanceof Error)
          ? new MalformedFrameError(this.label, String(error))
          : new MalformedFrameError(this.label, error.message, { cause: error }),
      );
    }
  }

  onFrame(buf: Buffer, start: number, end: number): void {
    if (this.state === OPEN) {
      // Counted like the sent ones: frames after the handshake.
      this.node.traffic.framesReceived++;
      try {
        decodeEnvelope(buf, start, end, this.env);
      } catch (error) {
        this.reader.stop();
        this.fail(new MalformedFrameError(this.label, (error as Error).message));
        return;
      }
      this.node.inbound.onEnvelope(this, buf, this.env);
    } else if (this.state === HANDSHAKE) {
      this.onHandshake(buf, start, end);
    }
  }

  onOversize(size: number): void {
    this.fail(new FrameTooLargeError(size, this.state === HANDSHAKE ? handshakeFrameLimit : this.node.options.maxFrameBytes, this.label));
  }

  private onHandshake(buf: Buffer, start: number, end: number): void {
    const session = this.session as HandshakeSession;
    let sent: Buffer | undefined;
    let remote: RemoteIdentity;
    let chosen: Compression;
    let kind = 0;
    try {
      decodeEnvelope(buf, start, end, this.env);
      kind = this.env.kind;
      const step = session.receive(buf, this.env);
      sent = step.send;
      if (step.result === undefined) {
        if (sent !== undefined) this.socket.write(sent);
        return;
      }
      remote = step.result.remote;
      chosen = step.result.compression;
    } catch (error) {
      this.refuse(error, kind === KIND_ERROR);
      return;
    }
    this.remote = remote;
    this.isClient = remote.role === Role.CLIENT;
    const taken = this.node.attach(this, remote);
    if (taken !== undefined) {
      this.remote = undefined;
      this.refuse(taken, false);
      return;
    }
    if (sent !== undefined) this.socket.write(sent);
    this.session = undefined;
    this.state = OPEN;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.reader.setLimit(this.node.options.maxFrameBytes);
    this.compression = chosen;
    if (chosen !== "none") {
      // The bytes after the handshake are compressed: stop here and route the rest through the inflater.
      this.reader.stop();
      this.switchTo = chosen;
    }
    this.node.logger.debug(
      { peer: remote.prefix, dialed: this.dialed, compression: chosen, role: remote.role === Role.CLIENT ? "client" : "member" },
      "remoting connection open",
    );
  }

  /** Ends the handshake with `error`: this side tells the other why (its code and message), then the socket closes. */
  private refuse(error: unknown, refused: boolean): void {
    this.reader.stop();
    if (!refused) {
      const e = error instanceof TsaktError ? error : new HandshakeError(this.label, `invalid handshake: ${String(error)}`);
      this.socket.write(refusalFrame(e.code, e.message));
    }
    this.fail(error instanceof TsaktError ? error : new HandshakeError(this.label, `invalid handshake: ${(error as Error).message}`));
  }

  private startCompression(kind: Compression): void {
    this.switchTo = undefined;
    const rest = this.reader.takeRest();
    this.reader = new FrameReader(this.node.options.maxFrameBytes, this);
    const { deflater, inflater, flushKind } = compressionStreams(kind);
    this.flushKind = flushKind;
    deflater.on("error", (error: Error) => this.fail(new MalformedFrameError(this.label, `compression failed: ${error.message}`)));
    inflater.on("error", (error: Error) => this.fail(new MalformedFrameError(this.label, `invalid ${kind} data: ${error.message}`)));
    inflater.on("data", (chunk: Buffer) => {
      if (this.state === OPEN) this.push(chunk);
    });
    deflater.pipe(this.socket);
    this.deflater = deflater;
    this.inflater = inflater;
    this.sink = deflater;
    if (rest !== undefined && rest.length > 0) inflater.write(rest);
  }

  // ---- writing ----

  /** Writes the peer's pending frames; false when the connection wants the writer to wait for 'drain'. */
  writeBatch(writer: FrameWriter): boolean {
    this.node.busyPoll?.poke();
    this.node.traffic.framesSent += writer.frames;
    const ok = writer.drainTo(this.sink);
    if (this.deflater !== undefined) this.deflater.flush(this.flushKind);
    this.wroteSinceCheck = true;
    if (!ok && !this.drainHooked) {
      this.drainHooked = true;
      (this.sink as unknown as NodeJS.EventEmitter).once("drain", () => {
        this.drainHooked = false;
        this.peer?.onDrain(this);
      });
    }
    return ok;
  }

  private writeFrame(frame: Buffer): void {
    this.node.traffic.framesSent++;
    this.sink.write(frame);
    if (this.deflater !== undefined) this.deflater.flush(this.flushKind);
    this.wroteSinceCheck = true;
  }

  /** Called on every heartbeat interval: sends a heartbeat when idle, closes the connection when the peer went silent. */
  tick(intervalMs: number): void {
    if (this.state !== OPEN || this.closing) return;
    if (this.readSinceCheck) {
      this.readSinceCheck = false;
      this.idleMs = 0;
    } else {
      this.idleMs += intervalMs;
      if (this.idleMs >= this.node.options.idleTimeoutMs) {
        this.fail(new RemoteUnreachableError(this.remote?.prefix ?? this.label, `nothing received for ${this.idleMs} ms`));
        return;
      }
    }
    if (!this.wroteSinceCheck) this.writeFrame(heartbeatFrame);
    this.wroteSinceCheck = false;
  }

  // ---- closing ----

  /** Closes after what was written is sent. */
  end(): void {
    if (this.state === CLOSED || this.closing) return;
    this.closing = true;
    if (this.state === HANDSHAKE) this.state = CLOSED;
    if (this.deflater !== undefined) this.deflater.end();
    else this.socket.end();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.socket.destroy(), 2000);
    this.timer.unref();
  }

  /** Closes at once because of `error`, which is logged. */
  fail(error: unknown): void {
    if (this.state === CLOSED && this.socket.destroyed) return;
    this.error ??= error;
    const handshaking = this.state === HANDSHAKE;
    this.state = CLOSED;
    this.node.connectionFailed(this, error, handshaking);
    // Let a refusal frame written just before go out; nothing more is read or written.
    if (handshaking && this.socket.writableLength > 0) {
      this.socket.end();
      const t = setTimeout(() => this.socket.destroy(), 1000);
      t.unref();
    } else this.socket.destroy();
  }

  /** Marks this connection as the loser of a simultaneous dial: the side that dialed it closes it gracefully. */
  retire(): void {
    this.retired = true;
    this.node.logger.debug({ peer: this.remote?.prefix ?? this.label, dialed: this.dialed }, "closing a duplicate connection");
    if (this.dialed) this.end();
    else {
      const t = setTimeout(() => this.socket.destroy(), 10_000);
      t.unref();
    }
  }

  private onClose(): void {
    if (this.state === HANDSHAKE && this.error === undefined)
      this.error = new HandshakeError(
        this.label,
        "the other side closed the connection during the handshake (TLS settings or certificate not accepted there, or not a TsAkt node)",
      );
    this.state = CLOSED;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.inflater?.destroy();
    this.deflater?.destroy();
    this.receiverPid = undefined;
    this.node.detach(this, this.error);
  }
}

/** The compressor and decompressor of a connection's `kind`, and the flush kind that ends each batch. */
function compressionStreams(kind: Compression): { deflater: Deflater; inflater: Transform; flushKind: number } {
  if (kind === "zstd") return zstdStreams();
  if (kind === "gzip") return { deflater: createGzip({ level: 3 }), inflater: createGunzip(), flushKind: zc.Z_SYNC_FLUSH };
  return {
    deflater: createBrotliCompress({ params: { [zc.BROTLI_PARAM_QUALITY]: 4 } }),
    inflater: createBrotliDecompress(),
    flushKind: zc.BROTLI_OPERATION_FLUSH,
  };
}
