import type { Logger } from "@tsakt/actor";
import { RemoteUnreachableError } from "../errors.js";
import { FrameWriter } from "../wire/frame-writer.js";
import type { Connection, ConnectionPeer } from "./connection.js";
import type { RemoteIdentity } from "./handshake.js";
import type { TransportSettings } from "./settings.js";

/** A connection to a peer. */
export type PeerConnection = Connection<Peer>;

/** What a peer needs from the node that owns it (RemoteNode implements it). */
export interface PeerHost {
  readonly options: TransportSettings;
  readonly logger: Logger;
  /** True once the node began stopping: no more dials. */
  readonly stopping: boolean;
  /** This node's address prefix, which decides between two connections dialed at once. */
  readonly address: string;
  /** Opens a connection to `peer`. */
  dial(peer: Peer): PeerConnection;
  /** Dialing `peer` failed: what waits for an answer from it fails with `error` (its queue is kept for the next dial). */
  unreachable(peer: Peer, error: RemoteUnreachableError): void;
  /** The connection to `peer`, or its process, is gone: what waits for it fails with `error`, and it watches nothing here any more. */
  lost(peer: Peer, error: RemoteUnreachableError): void;
}

/**
 * Another node, as this node sees it: the one connection used to send to it, the frames queued for it (bounded),
 * and dialing and redialing with backoff.
 */
export class Peer implements ConnectionPeer {
  readonly writer = new FrameWriter();
  /** The connection frames are written to; undefined while (re)connecting. */
  active: PeerConnection | undefined = undefined;
  private dialing: PeerConnection | undefined = undefined;
  readonly connections = new Set<PeerConnection>();
  /** Largest frame the peer accepts (from its handshake). */
  frameLimit: number;
  /** Bytes handed to the active connection and not yet sent. */
  backlog = 0;
  /** Id of the peer process, to notice a restart on the same address. */
  nodeId: string | undefined = undefined;
  /** True after dialing failed for longer than reconnect.giveUpAfterMs, until the next successful connection. */
  givenUp = false;
  private flushQueued = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined = undefined;
  private failingSince = 0;
  private spaceWaiters: Array<() => void> = [];
  private prefixCache = "";
  private prefixSystem: string | undefined = undefined;

  constructor(
    private readonly node: PeerHost,
    /** "host:port" this node dials. */
    readonly hostPort: string,
    readonly host: string,
    readonly port: number,
    /** System name expected there; learned from the handshake when unknown. */
    public system: string,
  ) {
    this.frameLimit = node.options.maxFrameBytes;
  }

  /** "tsakt://system@host:port". */
  get prefix(): string {
    if (this.prefixSystem !== this.system) {
      this.prefixSystem = this.system;
      this.prefixCache = `tsakt://${this.system}@${this.hostPort}`;
    }
    return this.prefixCache;
  }

  /** True when queued bytes reached maxOutboundBytes. */
  get full(): boolean {
    return this.writer.pendingBytes + this.backlog >= this.node.options.maxOutboundBytes;
  }

  /** Connections open to this peer (the active one and any retired one still draining). */
  get openConnections(): number {
    let n = 0;
    for (const c of this.connections) if (c.isOpen) n++;
    return n;
  }

  // ---- writing ----

  /** Flushes the queued frames at the end of this tick (one write per batch). */
  scheduleFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(this.flush);
  }

  readonly flush = (): void => {
    this.flushQueued = false;
    const c = this.active;
    if (c === undefined || !c.isOpen) {
      if (this.writer.pendingBytes > 0) this.connect();
      return;
    }
    if (this.writer.pendingBytes === 0) return;
    c.writeBatch(this.writer);
    this.backlog = c.backlog();
    if (!this.full) this.releaseWaiters();
  };

  /** The active connection drained: more may be queued now. */
  onDrain(c: Connection<ConnectionPeer>): void {
    if (c !== this.active) return;
    this.backlog = c.backlog();
    if (this.writer.pendingBytes > 0) this.scheduleFlush();
    else this.releaseWaiters();
  }

  /** Resolves when the outbound queue has room (for send()). */
  waitForSpace(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise((resolve) => this.spaceWaiters.push(resolve));
  }

  private releaseWaiters(): void {
    if (this.spaceWaiters.length === 0 || this.full) return;
    const waiters = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const w of waiters) w();
  }

  // ---- connecting ----

  /** Dials unless a connection is open, being dialed, or a retry is scheduled. */
  connect(): void {
    if (this.node.stopping || this.dialing !== undefined || this.retryTimer !== undefined) return;
    if (this.active !== undefined && !this.active.isClosed) return;
    this.dialing = this.node.dial(this);
  }

  /** A connection finished its handshake with this peer. */
  attach(c: PeerConnection, remote: RemoteIdentity): void {
    this.connections.add(c);
    if (this.system === "") this.system = remote.system;
    if (this.nodeId !== undefined && this.nodeId !== remote.nodeId) {
      // Same address, new process: everything known about the old one is gone.
      for (const other of this.connections) if (other !== c) other.fail(new RemoteUnreachableError(this.prefix, "the peer restarted"));
      this.node.lost(this, new RemoteUnreachableError(this.prefix, "the peer restarted"));
      this.active = undefined;
    }
    this.nodeId = remote.nodeId;
    this.frameLimit = Math.min(remote.maxFrameBytes, this.node.options.maxFrameBytes);
    if (this.dialing === c) this.dialing = undefined;
    const current = this.active;
    if (current === undefined || !current.isOpen) this.active = c;
    else if (current !== c) {
      const keep = this.preferred(current, c, remote);
      const drop = keep === current ? c : current;
      this.active = keep;
      drop.retire();
    }
    this.attempt = 0;
    this.failingSince = 0;
    this.givenUp = false;
    this.backlog = 0;
    this.scheduleFlush();
  }

  /**
   * Of two connections between the same nodes (both dialed at once), both sides keep the one dialed by the node
   * whose address sorts first; of two dialed by the same side, the newer.
   */
  private preferred(a: PeerConnection, b: PeerConnection, remote: RemoteIdentity): PeerConnection {
    if (a.dialed === b.dialed) return b;
    const localDials = this.node.address < remote.prefix;
    return a.dialed === localDials ? a : b;
  }

  /** A connection of this peer closed (or a dial failed). */
  onClosed(c: PeerConnection, error: unknown): void {
    this.connections.delete(c);
    if (this.dialing === c) {
      this.dialing = undefined;
      // The other side may have connected to us meanwhile; then nothing failed.
      if (this.active === undefined || !this.active.isOpen) this.dialFailed(error);
      return;
    }
    if (this.active !== c) return;
    this.active = undefined;
    this.backlog = 0;
    const lost = new RemoteUnreachableError(this.prefix, error ?? "connection closed");
    if (!this.node.stopping) this.node.logger.info({ peer: this.prefix, err: lost }, "connection to remote node lost");
    this.node.lost(this, lost);
    if (this.writer.pendingBytes > 0) this.retry();
  }

  private dialFailed(error: unknown): void {
    const unreachable = new RemoteUnreachableError(this.prefix, error ?? "connection closed");
    this.node.unreachable(this, unreachable);
    const now = performance.now();
    if (this.failingSince === 0) this.failingSince = now;
    if (now - this.failingSince >= this.node.options.reconnect.giveUpAfterMs) {
      this.node.logger.warn(
        { peer: this.prefix, err: unreachable, dropped: this.writer.pendingBytes },
        "giving up on remote node; queued messages dropped",
      );
      this.writer.discard();
      this.givenUp = true;
      this.failingSince = 0;
      this.attempt = 0;
      this.releaseWaiters();
      return;
    }
    this.node.logger.debug({ peer: this.prefix, err: unreachable }, "dial failed; retrying");
    if (this.writer.pendingBytes > 0) this.retry();
  }

  private retry(): void {
    if (this.retryTimer !== undefined || this.node.stopping) return;
    const r = this.node.options.reconnect;
    const base = Math.min(r.maxDelayMs, r.initialDelayMs * 2 ** Math.min(this.attempt, 20));
    this.attempt++;
    // Jitter keeps many nodes from redialing a restarted peer in lockstep.
    const delay = Math.round(base * (0.5 + Math.random() / 2));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect();
    }, delay);
    this.retryTimer.unref();
  }

  /** Stops timers and forgets queued frames (the node stopped). */
  close(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.writer.discard();
    this.releaseWaiters();
  }
}
