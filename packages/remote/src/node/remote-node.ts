import { randomBytes } from "node:crypto";
import type { AddressInfo, Server, Socket } from "node:net";
import { create, type DescMessage, type Message } from "@bufbuild/protobuf";
import {
  ActorNotFoundError,
  type ActorSystem,
  InvalidNameError,
  InvalidOptionError,
  type Kind,
  type Logger,
  type PID,
  SystemNotStartedError,
  silentLogger,
  TerminatedSchema,
} from "@tsakt/actor";
import { hostOf, type PluginHost } from "@tsakt/actor/internal";
import { type AccessDeniedError, IdentityMismatchError, KindNotRegisteredError, RemoteUnreachableError } from "../errors.js";
import {
  type ActorRef,
  LookupSchema,
  Role,
  SpawnSchema,
  StopSchema,
  UnwatchSchema,
  WatchSchema,
} from "../gen/tsakt/remote/v1/system_pb.js";
import { Admission } from "../transport/admission.js";
import { BusyPoll } from "../transport/busy-poll.js";
import { Connection, type ConnectionHost } from "../transport/connection.js";
import type { RemoteIdentity } from "../transport/handshake.js";
import { LogLimiter } from "../transport/log-limiter.js";
import { Peer, type PeerConnection, type PeerHost } from "../transport/peer.js";
import { createServer, dialSocket, listen } from "../transport/sockets.js";
import { TrafficCounters } from "../transport/traffic.js";
import { Serialization } from "../wire/serialization.js";
import { ClientAccess } from "./access.js";
import { hostPortOf, parseRemoteAddress, type RemoteAddress, requireRemoteAddress } from "./address.js";
import { Inbound, type InboundHost } from "./inbound.js";
import { InboundRoutes } from "./inbound-routes.js";
import { instrumentRemoting } from "./metrics.js";
import type { ResolvedOptions } from "./options.js";
import { Outbound, type OutboundHost } from "./outbound.js";
import { PendingAsks } from "./pending-asks.js";
import { RemotePID } from "./remote-pid.js";
import { RemoteWatches } from "./remote-watches.js";
import { RemoteTracer } from "./tracing.js";
import { WatchCommand, watchRegistry } from "./watch-registry.js";

/** Snapshot of a node's remoting state, for monitoring and tests. */
export interface RemoteStats {
  /** Nodes this node knows (connected or not). */
  readonly peers: number;
  /** Open connections (accepted and dialed). */
  readonly connections: number;
  /** Asks and requests waiting for an answer. */
  readonly pendingAsks: number;
  /** Bytes queued for peers and not yet handed to a socket. */
  readonly queuedBytes: number;
  /** Bytes written to the open connections' sockets (after compression and TLS). */
  readonly bytesSent: number;
  /** Bytes read from the open connections' sockets. */
  readonly bytesReceived: number;
  /** Accepted connections still in their handshake. */
  readonly pendingHandshakes: number;
}

/**
 * The remoting runtime of one actor system: the listening socket, the peers, routing of incoming envelopes to
 * local actors, and the encoders of outgoing tells, asks and replies. Created by remoting(). The transport and
 * the PIDs see it only through the narrow host interfaces it implements.
 */
export class RemoteNode implements ConnectionHost<Peer>, PeerHost, InboundHost, OutboundHost {
  readonly asks = new PendingAsks(() => this.pluginHost);
  /** Local actors' watches of remote actors. */
  readonly watches = new RemoteWatches();
  readonly nodeId = randomBytes(8).toString("hex");
  readonly traffic = new TrafficCounters();
  readonly serialization: Serialization;
  readonly kinds: Map<string, Kind>;
  logger: Logger = silentLogger;
  systemName = "";
  port = 0;
  /** This node's address prefix, "tsakt://system@host:port". */
  address = "";
  stopping = false;
  private system: ActorSystem | undefined = undefined;
  private host: PluginHost | undefined = undefined;
  private server: Server | undefined = undefined;
  private readonly peers = new Map<string, Peer>();
  /** Peers of clients that connected here, by the address they claim: never where a member's traffic goes. */
  private readonly clientPeers = new Map<string, Peer>();
  /** Connection limits, checked before anything is read. */
  private readonly admission: Admission;
  /** Refusals and failures are logged at most once per interval per kind. */
  private readonly limiter = new LogLimiter(() => this.logger);
  /** What client connections may reach. */
  readonly access = new ClientAccess();
  /** Receivers of routed paths under system actors (routeInbound). */
  readonly routes = new InboundRoutes();
  private readonly connections = new Set<PeerConnection>();
  private heartbeat: NodeJS.Timeout | undefined = undefined;
  private registry: PID | undefined = undefined;
  /** Encodes what this node sends. */
  readonly out: Outbound;
  /** Routes what peers send. */
  readonly inbound: Inbound;
  /** Set when busyPollMicros is on; poked on every read and write. */
  readonly busyPoll: BusyPoll | undefined;
  /** Set when the tracing option is on. */
  readonly tracer: RemoteTracer | undefined;

  constructor(readonly options: ResolvedOptions) {
    this.busyPoll = options.busyPollMicros > 0 ? new BusyPoll(options.busyPollMicros) : undefined;
    this.admission = new Admission(options);
    this.serialization = new Serialization(options.types, options.serializers, options.json);
    this.kinds = new Map(options.kinds);
    this.tracer =
      options.tracing === undefined
        ? undefined
        : new RemoteTracer(options.tracing.api, options.tracing.tracer, (error, what) =>
            this.logger.warn({ err: error }, `remoting tracing failed ${what}; the message goes on without its span`),
          );
    this.out = new Outbound(this);
    this.inbound = new Inbound(this, this.out);
  }

  // ---- lifecycle ----

  async start(system: ActorSystem): Promise<void> {
    this.system = system;
    const host = (this.host = hostOf(system));
    this.serialization.register(host.pluginTypes());
    this.logger = system.logger;
    this.systemName = system.name;
    if (host.meter !== undefined) this.asks.recordDuration = instrumentRemoting(host.meter, this, system.name);
    const o = this.options;
    const server = createServer(o.tls, {
      admit: (socket) => this.admit(socket),
      accepted: (socket) => this.accept(socket),
      tlsFailed: (error, peer) =>
        this.limiter.warn(`tls:${(error as { code?: string }).code ?? error.message}`, { err: error, peer }, "TLS client refused"),
    });
    this.server = server;
    await listen(server, o.host, o.port);
    server.on("error", (error: Error) => this.logger.error({ err: error }, "remoting server error"));
    this.port = (server.address() as AddressInfo).port;
    this.address = `tsakt://${system.name}@${hostPortOf(o.advertiseHost, this.port)}`;
    host.setAddressPrefix(this.address);
    this.registry = await host.spawnSystemActor("remote-watch", () =>
      watchRegistry({
        address: this.address,
        localActor: (path) => system.localActorOf(path),
        sendTerminated: (peer, address) => this.sendTerminated(peer, address),
      }),
    );
    this.heartbeat = setInterval(this.tick, o.heartbeatIntervalMs);
    this.heartbeat.unref();
    this.logger.info(
      {
        address: this.address,
        tls: o.tls === undefined ? false : o.tls.mutual === true ? "mutual" : true,
        auth: o.auth === undefined ? "none" : "shared-secret",
        role: o.role === Role.CLIENT ? "client" : "member",
      },
      "remoting listening",
    );
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.heartbeat);
    this.busyPoll?.stop();
    // Let stopped actors' Terminated notices reach the queues, then send what is queued before closing.
    await new Promise((resolve) => setImmediate(resolve));
    for (const peer of this.peers.values()) peer.flush();
    this.server?.close();
    for (const c of this.connections) c.end();
    for (let waited = 0; this.connections.size > 0 && waited < 2000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    for (const c of this.connections) c.socket.destroy();
    this.asks.failAll(() => new SystemNotStartedError("wait for a remote reply"));
    for (const peer of this.peers.values()) peer.close();
    this.out.clear();
  }

  private readonly tick = (): void => {
    const interval = this.options.heartbeatIntervalMs;
    for (const c of this.connections) c.tick(interval);
    this.out.sweepTemps();
    this.admission.sweep();
  };

  /** Open connections and what their sockets wrote and read, for metrics. */
  openConnections(): { count: number; bytesSent: number; bytesReceived: number } {
    let count = 0;
    let bytesSent = 0;
    let bytesReceived = 0;
    for (const c of this.connections) {
      if (!c.isOpen) continue;
      count++;
      bytesSent += c.socket.bytesWritten;
      bytesReceived += c.socket.bytesRead;
    }
    return { count, bytesSent, bytesReceived };
  }

  /** Snapshot of peers, connections and queues. */
  stats(): RemoteStats {
    let queuedBytes = 0;
    for (const peer of this.peers.values()) queuedBytes += peer.writer.pendingBytes;
    const open = this.openConnections();
    return {
      peers: this.peers.size + this.clientPeers.size,
      connections: open.count,
      pendingAsks: this.asks.size,
      queuedBytes,
      bytesSent: open.bytesSent,
      bytesReceived: open.bytesReceived,
      pendingHandshakes: this.admission.pendingHandshakes,
    };
  }

  // ---- peers and connections ----

  /** The peer for a parsed remote address, created on first use (no connection until something is sent). */
  peerOf(address: RemoteAddress): Peer {
    let peer = this.peers.get(address.hostPort);
    if (peer === undefined) {
      // A client that connected here is reached over its own connection while it is open.
      const client = this.clientPeers.get(address.node);
      if (client !== undefined && client.openConnections > 0) return client;
      peer = new Peer(this, address.hostPort, address.host, address.port, address.system);
      this.peers.set(address.hostPort, peer);
    }
    return peer;
  }

  /** Opens a connection to `peer`. */
  dial(peer: Peer): PeerConnection {
    const c = new Connection<Peer>(this, dialSocket(this.options.tls, peer.host, peer.port), true, peer);
    this.connections.add(c);
    peer.connections.add(c);
    return c;
  }

  private admit(socket: Socket): boolean {
    if (this.stopping) return false;
    const refused = this.admission.admit(socket);
    if (refused === undefined) return true;
    this.limiter.warn(`limit:${refused.limit}`, { err: refused, peer: refused.address }, "remoting connection refused");
    return false;
  }

  private accept(socket: Socket): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    this.connections.add(new Connection<Peer>(this, socket, false, undefined));
  }

  /** A connection finished its handshake; returns the error to refuse it with when a client claims an address in use. */
  attach(c: PeerConnection, remote: RemoteIdentity): Error | undefined {
    let peer = c.peer;
    if (peer === undefined) {
      if (remote.role === Role.CLIENT) {
        // A client's claimed address only routes replies and pushes back to it, never a member's traffic; while one
        // process holds it, another (a different node id) cannot take its connection over.
        peer = this.clientPeers.get(remote.prefix);
        if (peer !== undefined && peer.openConnections > 0 && peer.nodeId !== remote.nodeId)
          return new IdentityMismatchError(c.label, `another client process is connected as ${remote.prefix}`);
        if (peer === undefined) {
          peer = new Peer(this, remote.hostPort, remote.host, remote.port, remote.system);
          this.clientPeers.set(remote.prefix, peer);
        }
      } else {
        peer = this.peers.get(remote.hostPort);
        if (peer === undefined) {
          peer = new Peer(this, remote.hostPort, remote.host, remote.port, remote.system);
          this.peers.set(remote.hostPort, peer);
        }
      }
      c.peer = peer;
    }
    if (!c.dialed) this.admission.handshakeDone(c.socket);
    peer.attach(c, remote);
    return undefined;
  }

  /** A connection closed. */
  detach(c: PeerConnection, error: unknown): void {
    if (this.connections.delete(c)) {
      this.traffic.closedBytesSent += c.socket.bytesWritten;
      this.traffic.closedBytesReceived += c.socket.bytesRead;
    }
    const peer = c.peer;
    if (peer === undefined) return;
    peer.onClosed(c, error);
    if (peer.connections.size === 0 && this.clientPeers.get(peer.prefix) === peer) this.clientPeers.delete(peer.prefix);
  }

  /** Logs why a connection closed, at most once per interval for each kind of failure. */
  connectionFailed(c: PeerConnection, error: unknown, handshaking: boolean): void {
    const code = (error as { code?: string } | undefined)?.code ?? "Error";
    this.limiter.warn(
      `${handshaking ? "handshake" : "connection"}:${code}`,
      { err: error, peer: c.remote?.prefix ?? c.label, dialed: c.dialed },
      handshaking ? "remoting connection refused in its handshake" : "remoting connection closed",
    );
  }

  /** A client connection was refused a members-only target. */
  denied(c: PeerConnection, error: AccessDeniedError): void {
    this.limiter.warn("access:denied", { err: error, peer: c.remote?.prefix ?? c.label }, "client refused a members-only target");
  }

  /** Dialing `peer` failed: its asks fail and the watchers of its actors get Terminated. */
  unreachable(peer: Peer, error: RemoteUnreachableError): void {
    this.asks.failPeer(peer, () => error);
    this.watches.peerLost(peer);
  }

  /** `peer` (or its process) is gone: as unreachable, and it no longer watches local actors. */
  lost(peer: Peer, error: RemoteUnreachableError): void {
    this.unreachable(peer, error);
    this.registry?.tell(new WatchCommand("peer-gone", "", peer));
  }

  /** Passes a Watch or Unwatch from a peer to the watch registry. */
  watchCommand(command: WatchCommand): void {
    this.registry?.tell(command);
  }

  /** The system's plugin host; set by start. */
  get pluginHost(): PluginHost {
    const host = this.host;
    if (host === undefined) throw new SystemNotStartedError("use remoting before the system started");
    return host;
  }

  /** The actor system this node serves; set by start. */
  get actorSystem(): ActorSystem {
    const system = this.system;
    if (system === undefined) throw new SystemNotStartedError("use remoting before the system started");
    return system;
  }

  // ---- remote operations ----

  private request(peer: Peer, desc: DescMessage, message: Message, target: string, timeoutMs: number | undefined): Promise<unknown> {
    const ask = this.asks.create(peer, target, { timeoutMs: timeoutMs ?? this.options.requestTimeoutMs ?? this.actorSystem.askTimeoutMs });
    if (ask instanceof Error) return Promise.reject(ask);
    // Not sent (no serializer, connection closing): the request fails like a timeout would, but now.
    if (!this.out.sendSystem(peer, desc, message, ask.id) && this.asks.take(ask.id) === ask)
      ask.reject(new RemoteUnreachableError(peer.prefix));
    return ask.promise;
  }

  /** Finds the actor at a remote `address`; rejects with ActorNotFoundError when it does not exist there. */
  async lookup(address: string, timeoutMs?: number): Promise<PID> {
    const parsed = requireRemoteAddress(address);
    if (parsed.node === this.address) {
      const local = this.actorSystem.localActorOf(parsed.path);
      if (local === undefined) throw new ActorNotFoundError(address);
      return local;
    }
    const peer = this.peerOf(parsed);
    const ref = (await this.request(peer, LookupSchema, create(LookupSchema, { path: parsed.path }), address, timeoutMs)) as ActorRef;
    return new RemotePID(this, peer, ref.address);
  }

  /** Spawns a top-level actor of a registered `kind` named `name` on the node at `nodeAddress`. */
  async spawnRemote(nodeAddress: string, name: string, kind: string, timeoutMs?: number): Promise<PID> {
    const parsed = requireRemoteAddress(nodeAddress, "node");
    if (typeof name !== "string" || name.length === 0) throw new InvalidNameError(String(name), "must be a non-empty actor name");
    if (typeof kind !== "string" || kind.length === 0)
      throw new InvalidOptionError("kind", "must be the name of a kind registered on the target node");
    if (parsed.node === this.address) {
      const registered = this.kinds.get(kind);
      if (registered === undefined) throw new KindNotRegisteredError(kind, this.address);
      return this.actorSystem.spawn(name, registered.factory, registered.options);
    }
    const peer = this.peerOf(parsed);
    const ref = (await this.request(peer, SpawnSchema, create(SpawnSchema, { name, kind }), parsed.node, timeoutMs)) as ActorRef;
    return new RemotePID(this, peer, ref.address);
  }

  /** Stops the actor at `path` on `peer`. */
  async stopRemote(peer: Peer, path: string, timeoutMs?: number): Promise<void> {
    await this.request(peer, StopSchema, create(StopSchema, { path }), peer.prefix + path, timeoutMs);
  }

  /** Stops an actor given by PID (local or remote) or address. */
  async stopActor(target: PID | string, timeoutMs?: number): Promise<void> {
    if (target instanceof RemotePID) return this.stopRemote(target.peer, target.path, timeoutMs);
    if (typeof target !== "string") return this.actorSystem.stopActor(target);
    const parsed = parseRemoteAddress(target);
    if (parsed === undefined || parsed.node === this.address) return this.actorSystem.stopActor(parsed?.path ?? target);
    return this.stopRemote(this.peerOf(parsed), parsed.path, timeoutMs);
  }

  /** A PID for a remote address without a round trip (the actor may not exist). */
  pidOf(address: string): PID {
    const parsed = requireRemoteAddress(address);
    if (parsed.node === this.address) {
      const local = this.actorSystem.localActorOf(parsed.path);
      if (local !== undefined) return local;
    }
    return new RemotePID(this, this.peerOf(parsed), `${parsed.node}${parsed.path}`);
  }

  /** For system.actorOf: remote addresses are looked up on their node; anything else is not remoting's. */
  async resolve(nameOrAddress: string): Promise<PID | undefined> {
    const parsed = parseRemoteAddress(nameOrAddress);
    if (parsed === undefined || parsed.node === this.address) return undefined;
    return this.lookup(nameOrAddress);
  }

  watchRemote(pid: RemotePID, watcher: PID): void {
    if (this.watches.add(pid, watcher)) this.out.sendSystem(pid.peer, WatchSchema, create(WatchSchema, { path: pid.path }));
  }

  unwatchRemote(pid: RemotePID, watcher: PID): void {
    if (this.watches.remove(pid, watcher)) this.out.sendSystem(pid.peer, UnwatchSchema, create(UnwatchSchema, { path: pid.path }));
  }

  sendTerminated(peer: Peer, address: string): void {
    this.out.sendSystem(peer, TerminatedSchema, create(TerminatedSchema, { address }));
  }

  // ---- helpers for PIDs ----

  deadLetter(message: unknown, sender: PID | undefined, receiver: string, reason: string): void {
    this.host?.deadLetter(message, sender, receiver, reason);
  }

  /** The propagator's context for `metadata`; undefined without propagator or metadata. */
  extract(metadata: Readonly<Record<string, string>> | undefined): unknown {
    if (metadata === undefined || this.options.propagator === undefined) return undefined;
    try {
      return this.options.propagator.extract(metadata);
    } catch (error) {
      this.logger.warn({ err: error }, "context propagator extract failed");
      return undefined;
    }
  }
}
