import { create, isMessage } from "@bufbuild/protobuf";
import { type ActorSystem, InvalidOptionError, type PID, type Plugin } from "@tsakt/actor";
import { hostOf, pluginOf } from "@tsakt/actor/internal";
import { clusterOf } from "@tsakt/cluster";
import { remoteOf } from "@tsakt/remote";
import { DatacenterPID } from "./datacenter-pid.js";
import { DatacenterUnavailableError, DrainFailedError, MultiDatacenterNotRunningError, type UnavailableReason } from "./errors.js";
import { askGateways, gatewayActor, gatewayName, gatewayOf } from "./gateway.js";
import { GatewayRoute } from "./gateway-route.js";
import {
  DrainSchema,
  file_tsakt_multidc_v1_multidc,
  GrainLookupSchema,
  LookupSchema,
  RefusedSchema,
  SpawnSchema,
} from "./gen/tsakt/multidc/v1/multidc_pb.js";
import { Heartbeat, writerOf } from "./heartbeat.js";
import { duration, type MultiDatacenterOptions, type ResolvedOptions, type Routing, resolveOptions, routingOf } from "./options.js";
import { type RelayStats, Relays } from "./relay.js";
import { type DatacenterInfo, DatacenterView } from "./view.js";

/** The name multiDatacenterOf(system) looks for. */
export const multiDatacenterPluginName = "multidc";

/** Options of MultiDatacenter.actorOf. */
export interface DatacenterLookupOptions {
  /** The datacenter to look in. Default: this node's. */
  datacenter?: string;
  /** Through a gateway or straight to the actor's node. Default: the plugin's `routing` ("gateway"). */
  routing?: Routing;
}

/** Options of MultiDatacenter.spawnOn. */
export interface DatacenterSpawnOptions {
  /** The datacenter to place the actor in. Default: this node's, or with `labels` the first that matches. */
  datacenter?: string;
  /**
   * Place it in a datacenter whose labels include all of these (this node's first when it matches, then the others
   * by name; DRAINING and INACTIVE ones are skipped); ignored when `datacenter` is given. Default: none.
   */
  labels?: Record<string, string>;
  /** "local": when no datacenter asked for can take it (unknown, inactive, draining, unreachable), place it in this node's datacenter. Default: "none". */
  fallback?: "local" | "none";
  /** Through a gateway or straight to the actor's node. Default: the plugin's `routing` ("gateway"). */
  routing?: Routing;
}

/** Options of MultiDatacenter.grainOf. */
export interface DatacenterGrainOptions {
  /** The grain's home datacenter. Default: this node's. */
  datacenter?: string;
}

interface Running {
  system: ActorSystem;
  view: DatacenterView;
  heartbeat: Heartbeat;
  relays: Relays;
}

/** The multi-datacenter plugin: this node's datacenter identity, the view of every datacenter, and cross-datacenter calls. */
export class MultiDatacenter implements Plugin {
  readonly name = multiDatacenterPluginName;
  readonly packageName = "@tsakt/multidc";
  readonly dependsOn = ["remoting", "cluster"] as const;
  readonly types = [file_tsakt_multidc_v1_multidc];
  private readonly options: ResolvedOptions;
  private running: Running | undefined = undefined;
  private readonly failedGateways = new Map<string, number>();

  constructor(options: MultiDatacenterOptions) {
    this.options = resolveOptions(options);
  }

  /** This node's datacenter name. */
  get datacenter(): string {
    return this.options.name;
  }

  /** Called by ActorSystem.start: starts the gateway actor and the heartbeat (the first control-plane read is awaited). */
  async start(system: ActorSystem): Promise<void> {
    const view = new DatacenterView(this.options.leaseMs, this.options.name);
    const heartbeat = new Heartbeat(system, this.options, view);
    const relays = new Relays(system, this.options.relayTimeoutMs);
    this.running = { system, view, heartbeat, relays };
    await hostOf(system).spawnSystemActor(gatewayName, () =>
      gatewayActor({ system, datacenter: this.options.name, view, heartbeat, relays }),
    );
    await heartbeat.start();
  }

  /** Called by system.stop: stops the heartbeat and closes the control plane. */
  async stop(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    await running?.heartbeat.stop();
    await this.options.controlPlane.close();
  }

  /** Every datacenter this node has seen, with its state here, sorted by name. */
  datacenters(): DatacenterInfo[] {
    return this.state().view.all();
  }

  /** This node's view of datacenter `name`; undefined when no record of it was seen. */
  datacenterOf(name: string): DatacenterInfo | undefined {
    return this.state().view.get(name);
  }

  /** True while the last read of the control plane succeeded. */
  get controlPlaneReachable(): boolean {
    return this.state().view.controlPlaneReachable;
  }

  /** How many relays this node runs as a gateway, and how many messages from other datacenters it forwarded. */
  gatewayStats(): RelayStats {
    return this.state().relays.stats();
  }

  /**
   * The cluster-wide named actor `name` of `datacenter`, found through a gateway node there; calls then go through a
   * gateway (routing "gateway") or straight to the actor's node ("direct"). Rejects with DatacenterUnavailableError
   * when the datacenter is unknown, INACTIVE or no gateway answers, and ActorNotFoundError when it has no such actor.
   * This node's own datacenter (the default) is system.actorOf(name).
   */
  async actorOf(name: string, options: DatacenterLookupOptions = {}): Promise<PID> {
    const { system } = this.state();
    const target = options.datacenter ?? this.options.name;
    if (target === this.options.name) return system.actorOf(name);
    const relay = routingOf(options.routing, "routing", this.options.routing) === "gateway";
    return this.through(this.available(target, false), create(LookupSchema, { name, relay }), name, relay);
  }

  /**
   * A grain of another datacenter (its home): calls go through a relay on one of its gateways, which calls the grain
   * there (its clusterGrains must have the kind). Fails fast with DatacenterUnavailableError when that datacenter is
   * unknown or INACTIVE. This node's own datacenter (the default) gives grainOf(system, kind, id).
   */
  async grainOf(kind: string, id: string, options: DatacenterGrainOptions = {}): Promise<PID> {
    const { system } = this.state();
    const target = options.datacenter ?? this.options.name;
    if (target === this.options.name)
      return pluginOf<Plugin & { of(kind: string, id: string): PID }>(system, "grains", "grainOf", "@tsakt/grains").of(kind, id);
    return this.through(this.available(target, false), create(GrainLookupSchema, { kind, id }), `${kind}/${id}`, true);
  }

  /**
   * Places a `kind` named `name` in `datacenter` (its cluster's spawnOn, through a gateway there), or in the first
   * datacenter matching `labels`. A datacenter that is unknown, INACTIVE or DRAINING takes no new placements:
   * DatacenterUnavailableError, or with fallback "local" the actor is placed in this node's datacenter instead.
   */
  async spawnOn(name: string, kind: string, options: DatacenterSpawnOptions = {}): Promise<PID> {
    const { system } = this.state();
    const relay = routingOf(options.routing, "routing", this.options.routing) === "gateway";
    const candidates = options.datacenter === undefined && options.labels !== undefined ? this.matching(options.labels) : undefined;
    const targets = candidates ?? [options.datacenter ?? this.options.name];
    let last: unknown = new DatacenterUnavailableError(`with labels ${JSON.stringify(options.labels)}`, "unknown");
    for (const target of targets) {
      try {
        if (target === this.options.name) {
          this.available(target, true);
          return await clusterOf(system).spawnOn(name, kind);
        }
        return await this.through(this.available(target, true), create(SpawnSchema, { name, kind, relay }), name, relay);
      } catch (error) {
        if (!(error instanceof DatacenterUnavailableError)) throw error;
        last = error;
      }
    }
    if (options.fallback !== "local" || targets.includes(this.options.name)) throw last;
    return clusterOf(system).spawnOn(name, kind);
  }

  /** Datacenters whose labels include `labels`: this one first, the others by name; DRAINING and INACTIVE ones left out. */
  private matching(labels: Record<string, string>): string[] {
    if (typeof labels !== "object" || labels === null) throw new InvalidOptionError("labels", "must be an object of string values");
    const own = this.options.name;
    return this.state()
      .view.all()
      .filter((dc) => unavailableReason(dc, true) === undefined && Object.entries(labels).every(([k, v]) => dc.labels[k] === v))
      .map((dc) => dc.name)
      .sort((x, y) => (x === own ? -1 : y === own ? 1 : x < y ? -1 : 1));
  }

  /** Asks a gateway of `dc` with `request` and wraps the answer: a relay route (gateway routing) or the actor's own address. */
  private async through(dc: DatacenterInfo, request: unknown, label: string, relay: boolean): Promise<PID> {
    const { system, view } = this.state();
    const timeoutMs = this.options.requestTimeoutMs;
    const first = await askGateways(system, dc, request, timeoutMs, this.suspects());
    const host = hostOf(system);
    const deadLetter = (message: unknown, sender: PID | undefined, reason: string) =>
      host.deadLetter(message, sender, first.address, reason);
    const target = relay
      ? new GatewayRoute(
          system,
          first,
          label,
          (avoid) => {
            const now = this.available(dc.name, false);
            return askGateways(system, now, request, timeoutMs, new Set([...avoid, ...this.suspects()]));
          },
          (endpoint) => this.failedGateways.set(endpoint, system.clock.now()),
          deadLetter,
        )
      : remoteOf(system).pidOf(first.address);
    return new DatacenterPID(target, dc.name, () => unavailableReason(view.get(dc.name), false), deadLetter);
  }

  /** Gateways that failed within the last leaseMs: tried last. */
  private suspects(): Set<string> {
    const now = this.state().system.clock.now();
    for (const [endpoint, at] of this.failedGateways) if (now - at > this.options.leaseMs) this.failedGateways.delete(endpoint);
    return new Set(this.failedGateways.keys());
  }

  /**
   * Drains this node's datacenter: its leader writes DRAINING (no new placements; existing actors keep answering) and,
   * after `drainMs`, INACTIVE. Resolves once the leader wrote DRAINING; DrainFailedError when no leader took it.
   */
  async drain(options: { drainMs?: number } = {}): Promise<void> {
    const { system } = this.state();
    const drainMs = duration(options.drainMs, "drainMs", this.options.drainMs, true);
    let last: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const leader = writerOf(system);
      if (leader === undefined) break;
      try {
        const reply = await gatewayOf(system, { system: system.name }, `${leader.host}:${leader.port}`).ask(
          create(DrainSchema, { drainMs }),
          {
            timeoutMs: this.options.requestTimeoutMs,
          },
        );
        if (!isMessage(reply, RefusedSchema)) return;
        last = new Error(`${reply.code}: ${reply.message}`);
      } catch (error) {
        last = error;
      }
    }
    throw new DrainFailedError("the leader did not take the drain", { cause: last });
  }

  private available(name: string, placing: boolean): DatacenterInfo {
    const dc = this.state().view.get(name);
    const reason = unavailableReason(dc, placing);
    if (reason !== undefined || dc === undefined) throw new DatacenterUnavailableError(name, reason ?? "unknown");
    return dc;
  }

  private state(): Running {
    if (this.running === undefined) throw new MultiDatacenterNotRunningError();
    return this.running;
  }
}

/** Why `dc` cannot take a call now (a placement when `placing`), or undefined when it can. */
function unavailableReason(dc: DatacenterInfo | undefined, placing: boolean): UnavailableReason | undefined {
  if (dc === undefined) return "unknown";
  if (dc.state === "INACTIVE") return "inactive";
  if (placing && dc.state === "DRAINING") return "draining";
  return undefined;
}

/** The multi-datacenter plugin, for ActorSystem.start({ plugins: [remoting(), cluster({ … }), multiDatacenter({ … })] }). */
export function multiDatacenter(options: MultiDatacenterOptions): MultiDatacenter {
  return new MultiDatacenter(options);
}

/** The running multi-datacenter plugin of `system`; PluginNotInstalledError without multiDatacenter(). */
export function multiDatacenterOf(system: ActorSystem): MultiDatacenter {
  return pluginOf<MultiDatacenter>(system, multiDatacenterPluginName, "multiDatacenterOf(system)", "@tsakt/multidc");
}
