import { create } from "@bufbuild/protobuf";
import type { ActorSystem } from "@tsakt/actor";
import { every } from "@tsakt/actor/internal";
import { type ClusterMember, clusterOf } from "@tsakt/cluster";
import { DatacenterStateChangedSchema } from "./gen/tsakt/multidc/v1/multidc_pb.js";
import type { ResolvedOptions } from "./options.js";
import type { DatacenterRecord, DatacenterState } from "./record.js";
import type { DatacenterView, StateChange } from "./view.js";

/**
 * The member that writes its datacenter's record: the oldest member this node can reach. That is the cluster's
 * leader, except while the leader is unreachable and not yet downed: its successor writes at once instead of after
 * the split-brain resolver removed it, so a crashed leader does not let the lease run out.
 */
export function writerOf(system: ActorSystem): ClusterMember | undefined {
  const cluster = clusterOf(system);
  const unreachable = new Set(cluster.unreachable());
  return cluster.members().find((m) => !unreachable.has(m.name));
}

/**
 * Every heartbeatMs: reads the control plane into the view (every node), then writes this datacenter's record when
 * this node is its cluster leader. A new leader carries on from the last record read (state, sequence, drain).
 */
export class Heartbeat {
  private stopTimer: (() => void) | undefined = undefined;
  private busy: Promise<void> | undefined = undefined;
  private sequence = 0;
  private registered = false;
  private drainUntilMs: number | undefined = undefined;
  private writeFailing = false;

  constructor(
    private readonly system: ActorSystem,
    private readonly options: ResolvedOptions,
    private readonly view: DatacenterView,
  ) {}

  /** Starts beating; the first beat runs at once and is awaited. */
  async start(): Promise<void> {
    this.stopTimer = every(this.system.clock, this.options.heartbeatMs, () => void this.beat());
    await this.beat();
  }

  /** Stops beating and waits for a beat under way. */
  async stop(): Promise<void> {
    this.stopTimer?.();
    this.stopTimer = undefined;
    await this.busy;
  }

  /** One read and (on the leader) one write; a beat still under way is awaited instead of starting another. */
  beat(): Promise<void> {
    this.busy ??= this.run().finally(() => {
      this.busy = undefined;
    });
    return this.busy;
  }

  /** On the leader: DRAINING for `drainMs`, then INACTIVE; written at once. */
  async drain(drainMs: number): Promise<void> {
    this.drainUntilMs = this.system.clock.now() + drainMs;
    await this.busy;
    await this.write();
  }

  private async run(): Promise<void> {
    await this.read();
    let writing = false;
    try {
      writing = writerOf(this.system)?.uid === clusterOf(this.system).self.uid;
    } catch {
      return; // the cluster is stopping
    }
    if (writing) await this.write().catch(() => undefined);
  }

  private async read(): Promise<void> {
    const clock = this.system.clock;
    let records: DatacenterRecord[];
    try {
      records = await this.bounded(this.options.controlPlane.list(), "list()");
    } catch (error) {
      if (this.view.controlPlaneReachable)
        this.system.logger.warn({ err: error }, "multidc: cannot read the control plane; datacenter states are frozen until it answers");
      this.view.unreachable(clock.now());
      return;
    }
    const wasReachable = this.view.controlPlaneReachable;
    this.publish(this.view.observe(records, clock.now()));
    if (!wasReachable) this.system.logger.info("multidc: the control plane answers again");
  }

  private async write(): Promise<void> {
    const own = this.options.name;
    const last = this.view.record(own);
    const now = this.system.clock.now();
    const drainUntil = this.drainUntilMs ?? last?.drainUntilMs;
    let state: DatacenterState;
    if (drainUntil !== undefined) state = now < drainUntil ? "DRAINING" : "INACTIVE";
    else state = this.registered || last?.state === "ACTIVE" ? "ACTIVE" : "REGISTERED";
    this.sequence = Math.max(this.sequence, last?.sequence ?? 0) + 1;
    const role = this.options.gatewayRole;
    const cluster = clusterOf(this.system);
    const unreachable = new Set(cluster.unreachable());
    const members = cluster.members().filter((m) => !unreachable.has(m.name) && (role === undefined || m.roles.includes(role)));
    const record: DatacenterRecord = {
      name: own,
      labels: this.options.labels,
      system: this.system.name,
      endpoints: members.map((m) => `${m.host}:${m.port}`).sort(),
      state,
      heartbeatAtMs: now,
      sequence: this.sequence,
      ...(drainUntil === undefined ? {} : { drainUntilMs: drainUntil }),
    };
    try {
      await this.bounded(this.options.controlPlane.put(record), "put()");
      this.registered = true;
      if (this.writeFailing) this.system.logger.info({ datacenter: own }, "multidc: writing the datacenter record works again");
      this.writeFailing = false;
    } catch (error) {
      if (!this.writeFailing)
        this.system.logger.warn({ err: error, datacenter: own }, "multidc: cannot write the datacenter record; retrying every heartbeat");
      this.writeFailing = true;
      throw error;
    }
  }

  /** A control-plane call that has not settled within requestTimeoutMs fails, so a hung backend cannot stall the heartbeat. */
  private bounded<T>(call: Promise<T>, what: string): Promise<T> {
    const clock = this.system.clock;
    const ms = this.options.requestTimeoutMs;
    let timer: ReturnType<typeof clock.setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = clock.setTimeout(() => reject(new Error(`control plane ${what} got no answer within ${ms} ms (requestTimeoutMs)`)), ms);
    });
    return Promise.race([call, expired]).finally(() => clock.clearTimeout(timer as NonNullable<typeof timer>));
  }

  private publish(changes: readonly StateChange[]): void {
    for (const { name, state, previous } of changes) {
      this.system.logger.info({ datacenter: name, state, previous }, "multidc: datacenter state changed");
      this.system.eventStream.publish(create(DatacenterStateChangedSchema, { datacenter: name, state, previous: previous ?? "" }));
    }
  }
}
