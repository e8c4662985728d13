import type { ActorSystem, AskOptions, PID } from "@tsakt/actor";
import { isWatchable } from "@tsakt/actor/internal";
import { RemoteUnreachableError, remoteOf } from "@tsakt/remote";

/** A relay on one gateway node, as a gateway answered it. */
export interface RelayRoute {
  /** The relay's full address. */
  readonly address: string;
  /** The gateway it lives on, "host:port". */
  readonly endpoint: string;
}

/** Finds a relay to the same target through another gateway; `avoid` lists gateways that just failed. */
export type Reroute = (avoid: ReadonlySet<string>) => Promise<RelayRoute>;

/** Receives the Terminated that remoting delivers when the connection to a relay's gateway is lost. */
class RouteWatcher implements PID {
  readonly name = "multidc-route-watcher";
  readonly path = "";
  readonly address = "";
  constructor(private readonly onLost: () => void) {}
  tell(): boolean {
    this.onLost();
    return true;
  }
  ask<T>(): Promise<T> {
    return Promise.reject(new Error("a route watcher takes no asks"));
  }
  send(): Promise<void> {
    this.onLost();
    return Promise.resolve();
  }
  isAlive(): boolean {
    return true;
  }
}

/**
 * The caller's side of gateway routing: tells and asks go to a relay on one gateway node of the other datacenter.
 * Once the connection to that gateway is lost (remoting's watch reports it), the next call first finds a relay
 * through another gateway; messages told meanwhile wait in order. A call in flight when the gateway died fails with
 * remoting's RemoteUnreachableError and is not sent again (at most once).
 */
export class GatewayRoute implements PID {
  private relay: PID;
  private current: RelayRoute;
  private rerouting: Promise<void> | undefined = undefined;
  private waiting: Array<[unknown, PID | undefined]> = [];
  private lost = false;
  private readonly watcher = new RouteWatcher(() => {
    this.lost = true;
  });

  /** @internal Made by multiDatacenterOf(system).actorOf, spawnOn and grainOf. */
  constructor(
    private readonly system: ActorSystem,
    first: RelayRoute,
    /** The target's name as the caller gave it (actor name or "kind/id"). */
    readonly name: string,
    private readonly reroute: Reroute,
    /** Marks a gateway as just failed, so the next routes try others first. */
    private readonly failed: (endpoint: string) => void,
    private readonly deadLetter: (message: unknown, sender: PID | undefined, reason: string) => void,
  ) {
    this.current = first;
    this.relay = this.connect(first);
  }

  /** The gateway ("host:port") calls currently go through. */
  get gateway(): string {
    return this.current.endpoint;
  }

  /** Path of the relay on the gateway node. */
  get path(): string {
    return this.relay.path;
  }

  /** Full address of the relay on the gateway node calls currently go through. */
  get address(): string {
    return this.current.address;
  }

  /** Sends through the gateway; while another gateway is being found, the message waits (true). */
  tell(message: unknown, sender?: PID): boolean {
    if (this.rerouting === undefined && !this.stale()) return this.relay.tell(message, sender);
    this.waiting.push([message, sender]);
    this.startReroute();
    return true;
  }

  /** Asks through the gateway, which relays the reply. */
  async ask<R = unknown>(message: unknown, options?: AskOptions): Promise<R> {
    if (this.rerouting !== undefined || this.stale()) await this.startReroute();
    try {
      return await this.relay.ask<R>(message, options);
    } catch (error) {
      if (error instanceof RemoteUnreachableError) this.markLost();
      throw error;
    }
  }

  /** tell, as a promise that waits for a route. */
  async send(message: unknown, sender?: PID): Promise<void> {
    if (this.rerouting !== undefined || this.stale()) await this.startReroute();
    return this.relay.send(message, sender);
  }

  /** Always true: a lost gateway is replaced on the next call (the datacenter's state is checked by DatacenterPID). */
  isAlive(): boolean {
    return true;
  }

  private stale(): boolean {
    return this.lost || !this.relay.isAlive();
  }

  private markLost(): void {
    if (this.lost) return;
    this.lost = true;
    this.failed(this.current.endpoint);
  }

  private connect(route: RelayRoute): PID {
    const pid = remoteOf(this.system).pidOf(route.address);
    if (isWatchable(pid)) pid.addWatcher(this.watcher);
    return pid;
  }

  /** Finds a relay through another gateway (once for every caller waiting), then sends what was told meanwhile. */
  private startReroute(): Promise<void> {
    if (this.rerouting !== undefined) return this.rerouting;
    if (this.lost) this.failed(this.current.endpoint);
    const old = this.relay;
    this.rerouting = this.reroute(new Set([this.current.endpoint])).then(
      (route) => {
        if (isWatchable(old)) old.removeWatcher(this.watcher);
        this.current = route;
        this.lost = false;
        this.relay = this.connect(route);
        this.rerouting = undefined;
        this.flush((m, s) => this.relay.tell(m, s));
      },
      (error: unknown) => {
        this.rerouting = undefined;
        this.flush((m, s) => this.deadLetter(m, s, `no gateway answered: ${String(error)}`));
        throw error;
      },
    );
    // Tells have no caller to fail; their failure is the dead letters above.
    this.rerouting.catch(() => undefined);
    return this.rerouting;
  }

  private flush(each: (message: unknown, sender: PID | undefined) => void): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const [m, s] of waiting) each(m, s);
  }
}
