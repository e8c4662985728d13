import { create, isMessage } from "@bufbuild/protobuf";
import type { ActorSystem, PID, Plugin } from "@tsakt/actor";
import { hostOf, pluginOf } from "@tsakt/actor/internal";
import { clusterOf } from "@tsakt/cluster";
import { remoteOf } from "@tsakt/remote";
import { DatacenterPID } from "./datacenter-pid.js";
import { DatacenterUnavailableError, DrainFailedError, MultiDatacenterNotRunningError, type UnavailableReason } from "./errors.js";
import { askGateways, gatewayActor, gatewayName, gatewayOf } from "./gateway.js";
import { DrainSchema, file_tsakt_multidc_v1_multidc, LookupSchema, RefusedSchema, SpawnSchema } from "./gen/tsakt/multidc/v1/multidc_pb.js";
import { Heartbeat, writerOf } from "./heartbeat.js";
import { duration, type MultiDatacenterOptions, type ResolvedOptions, resolveOptions } from "./options.js";
import { type DatacenterInfo, DatacenterView } from "./view.js";

/** The name multiDatacenterOf(system) looks for. */
export const multiDatacenterPluginName = "multidc";

/** Options of MultiDatacenter.actorOf. */
export interface DatacenterLookupOptions {
  /** The datacenter to look in. Default: this node's. */
  datacenter?: string;
}

/** Options of MultiDatacenter.spawnOn. */
export interface DatacenterSpawnOptions {
  /** The datacenter to place the actor in. Default: this node's. */
  datacenter?: string;
  /** "local": when that datacenter is unavailable (unknown, inactive, draining, unreachable), place it in this node's datacenter. Default: "none". */
  fallback?: "local" | "none";
}

interface Running {
  system: ActorSystem;
  view: DatacenterView;
  heartbeat: Heartbeat;
}

/** The multi-datacenter plugin: this node's datacenter identity, the view of every datacenter, and cross-datacenter calls. */
export class MultiDatacenter implements Plugin {
  readonly name = multiDatacenterPluginName;
  readonly packageName = "@tsakt/multidc";
  readonly dependsOn = ["remoting", "cluster"] as const;
  readonly types = [file_tsakt_multidc_v1_multidc];
  private readonly options: ResolvedOptions;
  private running: Running | undefined = undefined;

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
    this.running = { system, view, heartbeat };
    await hostOf(system).spawnSystemActor(gatewayName, () => gatewayActor({ system, datacenter: this.options.name, view, heartbeat }));
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

  /**
   * The cluster-wide named actor `name` of `datacenter`: asked of a gateway node there, then called directly over
   * remoting. Rejects with DatacenterUnavailableError when the datacenter is unknown, INACTIVE or no gateway answers,
   * and ActorNotFoundError when it has no such actor. This node's own datacenter is system.actorOf(name).
   */
  async actorOf(name: string, options: DatacenterLookupOptions = {}): Promise<PID> {
    const { system, view } = this.state();
    const target = options.datacenter ?? this.options.name;
    if (target === this.options.name) return system.actorOf(name);
    const dc = this.available(target, false);
    const { address } = await askGateways(system, dc, create(LookupSchema, { name }), this.options.requestTimeoutMs);
    const host = hostOf(system);
    return new DatacenterPID(
      remoteOf(system).pidOf(address),
      target,
      () => unavailableReason(view.get(target), false),
      (message, sender, reason) => host.deadLetter(message, sender, address, reason),
    );
  }

  /**
   * Places a `kind` named `name` in `datacenter` (its cluster's spawnOn, through a gateway there). A datacenter that is
   * unknown, INACTIVE or DRAINING takes no new placements: DatacenterUnavailableError, or with fallback "local" the
   * actor is placed in this node's datacenter instead.
   */
  async spawnOn(name: string, kind: string, options: DatacenterSpawnOptions = {}): Promise<PID> {
    const { system, view } = this.state();
    const target = options.datacenter ?? this.options.name;
    try {
      if (target === this.options.name) {
        this.available(target, true);
        return await clusterOf(system).spawnOn(name, kind);
      }
      const dc = this.available(target, true);
      const { address } = await askGateways(system, dc, create(SpawnSchema, { name, kind }), this.options.requestTimeoutMs);
      const host = hostOf(system);
      return new DatacenterPID(
        remoteOf(system).pidOf(address),
        target,
        () => unavailableReason(view.get(target), false),
        (message, sender, reason) => host.deadLetter(message, sender, address, reason),
      );
    } catch (error) {
      if (options.fallback !== "local" || !(error instanceof DatacenterUnavailableError) || target === this.options.name) throw error;
      return clusterOf(system).spawnOn(name, kind);
    }
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
