import { create } from "@bufbuild/protobuf";
import type { ActorSystem } from "@tsakt/actor";
import type { Cluster } from "../cluster.js";
import { ClusterJobFiredSchema } from "../gen/tsakt/cluster/v1/scheduler_pb.js";
import { dueTimesBetween, type JobDefinition } from "./job.js";
import type { ClusterSchedulerOptions } from "./options.js";
import type { JobStore } from "./store.js";

/** A job the owner runs: its definition and the newest due time handled (fired, or skipped), once known. */
interface OwnedJob {
  job: JobDefinition;
  last: number | undefined;
  /** True when `last` has a claim in the registry (so it can be removed once a newer one exists). */
  lastClaimed: boolean;
}

/**
 * The scheduler's work on the member that owns the jobs (the oldest member, as for singletons): every tick it fires
 * the due times that came, each after claiming it in the registry; when it becomes the owner it finds, per job, the
 * newest claimed due time and catches up (or skips) what came after it.
 */
export class SchedulerOwner {
  private readonly jobs = new Map<string, OwnedJob>();
  private refreshedAt = Number.NEGATIVE_INFINITY;
  private busy = false;

  constructor(
    private readonly system: ActorSystem,
    private readonly cluster: Cluster,
    private readonly store: JobStore,
    private readonly settings: Required<ClusterSchedulerOptions>,
  ) {}

  /** True while this member owns the jobs. */
  get isOwner(): boolean {
    return this.cluster.isRunning && this.cluster.isLeader();
  }

  /** Makes the next tick re-read the job list. */
  refreshSoon(): void {
    this.refreshedAt = Number.NEGATIVE_INFINITY;
  }

  /** One round: re-reads the jobs when due, then fires what is due. Overlapping calls return at once. */
  async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      if (!this.isOwner) {
        // Ownership lost: forget everything; a later takeover starts again from the registry's claims.
        this.jobs.clear();
        this.refreshSoon();
        return;
      }
      const now = this.system.clock.now();
      if (now - this.refreshedAt >= this.settings.refreshMs) {
        await this.refresh();
        this.refreshedAt = now;
      }
      for (const owned of [...this.jobs.values()]) {
        if (!this.isOwner) return;
        await this.run(owned, this.system.clock.now());
      }
    } catch (error) {
      // A registry that is briefly unavailable (membership settling): the next tick tries again.
      this.system.logger.debug({ err: error }, "cluster scheduler round failed; retrying next tick");
    } finally {
      this.busy = false;
    }
  }

  private async refresh(): Promise<void> {
    const listed = await this.store.list();
    const names = new Set(listed.map((job) => job.proto.name));
    for (const [name, owned] of this.jobs)
      if (!names.has(name)) {
        this.jobs.delete(name);
        if (owned.lastClaimed && owned.last !== undefined) await this.store.unclaim(name, owned.last);
      }
    for (const job of listed) {
      const current = this.jobs.get(job.proto.name);
      if (current === undefined || current.job.proto.createdAtMs !== job.proto.createdAtMs)
        this.jobs.set(job.proto.name, { job, last: undefined, lastClaimed: false });
    }
  }

  private async run(owned: OwnedJob, now: number): Promise<void> {
    const { job } = owned;
    if (owned.last === undefined) await this.recover(owned, now);
    for (const due of dueTimesBetween(job, owned.last as number, now, this.settings.maxCatchUp)) {
      if (!(await this.fire(owned, due, now))) return;
    }
    if (job.cron === undefined && (owned.last as number) >= Number(job.proto.atMs)) await this.finish(owned);
  }

  /** Finds the newest claimed due time of a job this member just took over; with "skip", drops the missed ones. */
  private async recover(owned: OwnedJob, now: number): Promise<void> {
    const { job } = owned;
    const created = Number(job.proto.createdAtMs);
    const windowStart = job.cron === undefined ? created - 1 : Math.max(created, now - this.settings.catchUpWindowMs);
    const dues = dueTimesBetween(job, windowStart, now, this.settings.maxCatchUp + 1);
    let last = dues.length > this.settings.maxCatchUp ? (dues.shift() as number) : windowStart;
    owned.lastClaimed = false;
    for (let i = dues.length - 1; i >= 0; i--) {
      const due = dues[i] as number;
      if (await this.store.claimed(job.proto.name, due)) {
        last = due;
        owned.lastClaimed = true;
        break;
      }
    }
    // "skip": due times that passed unclaimed are dropped, except those of the last tick (not missed, just due).
    if (job.proto.missed === "skip") last = Math.max(last, now - this.settings.tickMs);
    owned.last = last;
  }

  /** Claims and delivers one due time; false when the job is gone (cancelled), so the round stops for it. */
  private async fire(owned: OwnedJob, due: number, now: number): Promise<boolean> {
    const name = owned.job.proto.name;
    const stored = await this.store.get(name);
    if (stored === undefined || stored.proto.createdAtMs !== owned.job.proto.createdAtMs) {
      this.jobs.delete(name);
      return false;
    }
    const previous = owned.lastClaimed ? owned.last : undefined;
    if (await this.store.claim(name, due, this.successor())) this.deliver(owned.job, due, now - due >= this.settings.lateAfterMs);
    owned.last = due;
    owned.lastClaimed = true;
    if (previous !== undefined) await this.store.unclaim(name, previous);
    return true;
  }

  private deliver(job: JobDefinition, due: number, late: boolean): void {
    const fired = create(ClusterJobFiredSchema, { job: job.proto.name, dueMs: BigInt(due), node: this.cluster.self.name, late });
    this.system.eventStream.publish(fired);
    const target = job.proto.target;
    this.system.actorOf(target).then(
      (pid) => pid.tell(fired),
      (error: unknown) =>
        this.system.logger.warn({ err: error, job: job.proto.name, target, dueMs: due }, "cluster job fired but its target was not found"),
    );
  }

  /** A once job that fired (or was skipped): its definition and claim go. */
  private async finish(owned: OwnedJob): Promise<void> {
    const name = owned.job.proto.name;
    this.jobs.delete(name);
    await this.store.remove(name);
    if (owned.lastClaimed && owned.last !== undefined) await this.store.unclaim(name, owned.last);
  }

  /** The member that owns new claims: the one that takes the jobs over if this one goes (the next oldest), else this one. */
  private successor(): string {
    const self = this.cluster.self.name;
    return this.cluster.members().find((m) => m.name !== self && m.status === "alive")?.name ?? self;
  }
}
