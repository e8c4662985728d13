import { isMessage } from "@bufbuild/protobuf";
import { ActorSystem, consoleLogger, type ReceiveContext, TerminatedSchema } from "@tsakt/actor";
import { hostOf } from "@tsakt/actor/internal";
import { type Remote, remoteOf, remoting } from "@tsakt/remote";
import type { Balancer, ClientNode } from "./balancer.js";
import { Caller, type ClientCallOptions } from "./caller.js";
import { Contacts } from "./contacts.js";
import { NoNodeAvailableError } from "./errors.js";
import { file_tsakt_client_v1_gateway, type GatewayMembers, GatewayMembersSchema } from "./gen/tsakt/client/v1/gateway_pb.js";
import { ClientMembership } from "./membership.js";
import type { NodeState } from "./node-state.js";
import { type ClientOptions, type ClientSettings, resolveClientOptions } from "./options.js";

/** A change of a member's status as the client sees it. */
export interface ClientNodeEvent {
  /** "up": calls may go there; "unreachable": its connection failed; "down": the cluster declared it dead or it left. */
  readonly type: "up" | "unreachable" | "down";
  /** The member after the change. */
  readonly node: ClientNode;
}

/** A grain or an actor of the cluster, called through the client. */
export interface ClientRef {
  /** What this handle calls, "grain kind/id" or "actor name". */
  readonly target: string;
  /**
   * Sends `message` (a protobuf message in the client's `types`) and resolves with the reply. Failures worth
   * retrying (member unreachable or down, grain moving) are retried on other members until `timeoutMs` passed, so a
   * message can arrive more than once (at-least-once): make such asks idempotent.
   */
  ask<R = unknown>(message: unknown, options?: ClientCallOptions): Promise<R>;
  /** Sends `message` once to one member without waiting (at-most-once); false when no member is up or it could not be sent. */
  tell(message: unknown): boolean;
}

/**
 * A connection to a TsAkt cluster from outside its membership: a small actor system with remoting (no cluster plugin)
 * that reaches the members' client gateways, learns the membership from them, balances calls across the members that
 * are up and fails over when one becomes unreachable or is declared down. Make one with connect().
 */
export class ClusterClient implements AsyncDisposable {
  private closed = false;
  private closing: Promise<void> | undefined = undefined;
  private readonly listeners = new Set<(event: ClientNodeEvent) => void>();
  private readonly upWaiters = new Set<() => void>();
  private readonly caller: Caller;
  private readonly contacts: Contacts;
  private discoveryTimer: NodeJS.Timeout | undefined = undefined;
  private loadTimer: NodeJS.Timeout | undefined = undefined;
  private discovering = false;

  private constructor(
    private readonly settings: ClientSettings,
    private readonly system: ActorSystem,
    remote: Remote,
    private readonly membership: ClientMembership,
  ) {
    this.contacts = new Contacts({
      settings,
      system,
      remote,
      membership,
      isClosed: () => this.closed,
      changed: (node, type) => this.changed(node, type),
    });
    this.caller = new Caller({
      settings,
      system,
      membership,
      isClosed: () => this.closed,
      waitForUp: (ms) => this.waitForUp(ms),
      unreachable: (node, reason) => this.contacts.unreachable(node, reason),
    });
  }

  /** Starts the client and resolves once one member's gateway answered; NoNodeAvailableError after connectTimeoutMs. */
  static async connect(options: ClientOptions): Promise<ClusterClient> {
    const settings = resolveClientOptions(options);
    const remotingOptions = {
      host: "127.0.0.1",
      ...settings.remoting,
      // A client, not a member: members let it call actors and the gateway, never send cluster traffic.
      role: "client" as const,
      types: [file_tsakt_client_v1_gateway, ...settings.types],
      ...(settings.tls === undefined ? {} : { tls: settings.tls }),
      ...(settings.clientSecret === undefined ? {} : { auth: { clientSecret: settings.clientSecret } }),
    };
    const system = await ActorSystem.start({
      name: "tsakt-client",
      logger: settings.logger ?? consoleLogger("warn", { component: "tsakt-client" }),
      plugins: [remoting(remotingOptions)],
    });
    const membership = new ClientMembership(settings.system);
    const client = new ClusterClient(settings, system, remoteOf(system), membership);
    try {
      await client.start();
    } catch (error) {
      await client.close();
      throw error;
    }
    return client;
  }

  /** The balancer in use. */
  get balancer(): Balancer {
    return this.settings.balancer;
  }

  /** A handle on the grain `kind`/`id`; the grain activates on its first message wherever the cluster places it. */
  grain(kind: string, id: string): ClientRef {
    return this.caller.ref({ case: "grain", kind, id });
  }

  /** A handle on the actor `name` (a cluster-wide name, or an address); each call finds it again, so relocations are followed. */
  actor(name: string): ClientRef {
    return this.caller.ref({ case: "actor", name });
  }

  /** Every member the client knows, with its status and this client's call counts, sorted by name. */
  nodes(): ClientNode[] {
    return [...this.membership.nodes.values()].map((n) => n.info()).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Calls `listener` whenever a member becomes up, unreachable or down; returns the function that removes it. */
  subscribe(listener: (event: ClientNodeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops the client: pending calls fail, connections close, discovery is closed. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async start(): Promise<void> {
    const inbox = await hostOf(this.system).spawnSystemActor("client", () => ({ receive: (ctx: ReceiveContext) => this.receive(ctx) }));
    this.contacts.inbox = inbox;
    for (const seed of this.settings.seeds) this.contacts.add(hostPort(seed.host, seed.port));
    await this.discover();
    const s = this.settings;
    if (s.discovery !== undefined) this.discoveryTimer = setInterval(() => void this.discover(), s.discoveryIntervalMs).unref();
    if (s.balancer.name === "least-load") this.loadTimer = setInterval(() => this.contacts.refreshLoads(), s.loadRefreshMs).unref();
    const upInTime = await this.waitForUp(s.connectTimeoutMs);
    if (!upInTime) throw new NoNodeAvailableError("connect", s.connectTimeoutMs);
  }

  /** Messages to the client's actor: membership pushes from gateways, and Terminated when a gateway's connection died. */
  private receive(ctx: ReceiveContext): void {
    const message = ctx.message;
    if (isMessage(message, GatewayMembersSchema)) this.contacts.applyView(message as GatewayMembers);
    else if (isMessage(message, TerminatedSchema)) this.contacts.gatewayTerminated(message.address);
    else ctx.unhandled();
  }

  /** Asks discovery for members (when there is one) and contacts the new ones. */
  private async discover(): Promise<void> {
    const discovery = this.settings.discovery;
    if (discovery === undefined || this.discovering || this.closed) return;
    this.discovering = true;
    try {
      for (const peer of await discovery.discoverPeers()) this.contacts.add(hostPort(peer.host, peer.port));
    } catch (error) {
      this.system.logger.warn({ err: error, discovery: discovery.id }, "cluster client: discovery failed; retrying later");
    } finally {
      this.discovering = false;
    }
  }

  private changed(node: NodeState, type: ClientNodeEvent["type"]): void {
    if (type === "up") for (const wake of [...this.upWaiters]) wake();
    else if (this.membership.up().length === 0) {
      // Nothing left to call: look for members again now rather than at the next interval.
      void this.discover();
      this.contacts.retrySeedsSoon();
    }
    const event: ClientNodeEvent = { type, node: node.info() };
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.system.logger.error({ err: error }, "cluster client: a node listener threw");
      }
    }
  }

  /** Resolves true once a member is up (at once when one is), false after `ms` or when the client closes. */
  private waitForUp(ms: number): Promise<boolean> {
    if (this.membership.up().length > 0) return Promise.resolve(true);
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.upWaiters.delete(wake);
        resolve(ok);
      };
      const wake = () => done(!this.closed && this.membership.up().length > 0);
      const timer = setTimeout(() => done(false), ms);
      this.upWaiters.add(wake);
    });
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    clearInterval(this.discoveryTimer);
    clearInterval(this.loadTimer);
    for (const node of this.membership.nodes.values()) node.cancelRetry();
    for (const wake of [...this.upWaiters]) wake();
    await this.system.stop();
    await this.settings.discovery
      ?.close()
      .catch((error: unknown) => this.system.logger.warn({ err: error }, "cluster client: closing discovery failed"));
  }
}

/** Starts a cluster client (see ClusterClient); resolves once one member answered. */
export function connect(options: ClientOptions): Promise<ClusterClient> {
  return ClusterClient.connect(options);
}

function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
