import type { ActorSystem, Plugin } from "@tsakt/actor";
import { InvalidOptionError } from "@tsakt/actor";
import { every, pluginOf } from "@tsakt/actor/internal";
import type { Cluster } from "../cluster.js";
import { clusterOf } from "../cluster-basics.js";
import { ClusterNotRunningError } from "../errors.js";
import { file_tsakt_cluster_v1_scheduler } from "../gen/tsakt/cluster/v1/scheduler_pb.js";
import { JobAlreadyExistsError, JobNotFoundError } from "./errors.js";
import { type ClusterJob, checkName, jobOf, parseCron, sameJob } from "./job.js";
import { type ClusterCronOptions, type ClusterJobOptions, type ClusterSchedulerOptions, missedOf, schedulerSettings } from "./options.js";
import { SchedulerOwner } from "./owner.js";
import { JobStore, SCHEDULER_PREFIX } from "./store.js";

/** The plugin's name, the one clusterSchedulerOf looks for. */
const NAME = "cluster-scheduler";

/**
 * Jobs that fire once per due time cluster-wide, whichever node scheduled them: the oldest member owns them all and
 * tells each due time's ClusterJobFired to the job's target actor (by cluster-wide name). Get it with
 * clusterSchedulerOf(system).
 */
export class ClusterScheduler implements Plugin {
  readonly name = NAME;
  readonly packageName = "@tsakt/cluster";
  readonly dependsOn = ["cluster"] as const;
  readonly types = [file_tsakt_cluster_v1_scheduler];
  private state: { system: ActorSystem; cluster: Cluster; store: JobStore; owner: SchedulerOwner; stop: () => void } | undefined;

  /** @internal Use clusterScheduler(options). */
  constructor(private readonly settings: Required<ClusterSchedulerOptions>) {}

  /** Called by ActorSystem.start, after the cluster. */
  start(system: ActorSystem): void {
    const cluster = clusterOf(system);
    const store = new JobStore(cluster.registry, () => cluster.self.name);
    const owner = new SchedulerOwner(system, cluster, store, this.settings);
    const stopTicks = every(system.clock, this.settings.tickMs, () => void owner.tick());
    // Entries of a member that died are removed from the registry; the scheduler's are put back, owned by the reporter.
    const stopAdopting = cluster.onOwnerLost((entries) => {
      for (const entry of entries)
        if (entry.key.startsWith(SCHEDULER_PREFIX) && cluster.isRunning)
          cluster.registry
            .putIfAbsent(entry.key, { kind: entry.kind, data: entry.data })
            .catch((error: unknown) => system.logger.warn({ err: error, key: entry.key }, "could not re-adopt a cluster scheduler entry"));
    });
    this.state = { system, cluster, store, owner, stop: () => (stopTicks(), stopAdopting()) };
  }

  /** Called by system.stop(): this node stops firing (the next owner takes over). */
  stop(): void {
    this.state?.stop();
    this.state = undefined;
  }

  /** True while this node owns (fires) the jobs: it is the oldest member. */
  isOwner(): boolean {
    return this.state?.owner.isOwner ?? false;
  }

  /**
   * Schedules job `name` to tell `target` a ClusterJobFired once, `delayMs` (>= 0) from now. Scheduling the same
   * definition under the same name again (from any node) returns the existing job; another definition is
   * JobAlreadyExistsError.
   */
  scheduleOnce(name: string, delayMs: number, target: string, options?: ClusterJobOptions): Promise<ClusterJob> {
    return this.attempt(() => {
      if (typeof delayMs !== "number" || !Number.isFinite(delayMs) || delayMs < 0)
        throw new InvalidOptionError("delayMs", `must be a finite number of milliseconds >= 0, got ${String(delayMs)}`);
      checkOptions(options, ["missed"]);
      const now = this.running("scheduleOnce").system.clock.now();
      return {
        kind: "once",
        expression: "",
        timezone: "",
        atMs: BigInt(Math.round(now + delayMs)),
        missed: missedOf(options),
        name,
        target,
      };
    });
  }

  /** Schedules job `name` to tell `target` a ClusterJobFired whenever the cron `expression` matches (6 fields: seconds first). */
  scheduleCron(name: string, expression: string, target: string, options?: ClusterCronOptions): Promise<ClusterJob> {
    return this.attempt(() => {
      checkOptions(options, ["missed", "timezone"]);
      const timezone = options?.timezone ?? "UTC";
      parseCron(expression, timezone);
      return { kind: "cron", expression, timezone, atMs: 0n, missed: missedOf(options), name, target };
    });
  }

  /** Every scheduled job, by name; from any node. */
  async list(): Promise<ClusterJob[]> {
    return (await this.running("list jobs").store.list()).map((job) => jobOf(job.proto));
  }

  /** The job named `name`, or undefined. */
  async get(name: string): Promise<ClusterJob | undefined> {
    const job = await this.running("get a job").store.get(checkName("name", name));
    return job === undefined ? undefined : jobOf(job.proto);
  }

  /** Cancels job `name` from any node (JobNotFoundError when there is none); the owner stops firing it at once. */
  async cancel(name: string): Promise<void> {
    const { store } = this.running("cancel a job");
    if (!(await store.remove(checkName("name", name)))) throw new JobNotFoundError(name);
  }

  private async attempt(
    define: () => { kind: string; expression: string; timezone: string; atMs: bigint; missed: string; name: string; target: string },
  ): Promise<ClusterJob> {
    const fields = define();
    checkName("name", fields.name);
    checkName("target", fields.target);
    const { system, store, owner } = this.running(`schedule job ${JSON.stringify(fields.name)}`);
    const definition = { ...fields, createdAtMs: BigInt(system.clock.now()) };
    const { created, job } = await store.create(definition);
    if (!created && !sameJob(job.proto, { $typeName: job.proto.$typeName, ...definition })) throw new JobAlreadyExistsError(fields.name);
    owner.refreshSoon();
    return jobOf(job.proto);
  }

  private running(operation: string): NonNullable<ClusterScheduler["state"]> {
    const state = this.state;
    if (state === undefined || !state.cluster.isRunning) throw new ClusterNotRunningError(operation);
    return state;
  }
}

function checkOptions(options: unknown, known: readonly string[]): void {
  if (options === undefined) return;
  if (typeof options !== "object" || options === null) throw new InvalidOptionError("options", "must be an object");
  for (const key of Object.keys(options))
    if (!known.includes(key)) throw new InvalidOptionError(key, `is not an option here (known: ${known.join(", ")})`);
}

/** The cluster scheduler plugin: `plugins: [remoting(), cluster({ … }), clusterScheduler()]`, on every node. */
export function clusterScheduler(options?: ClusterSchedulerOptions): ClusterScheduler {
  return new ClusterScheduler(schedulerSettings(options));
}

/** The ClusterScheduler running on `system`; PluginNotInstalledError without clusterScheduler(). */
export function clusterSchedulerOf(system: ActorSystem): ClusterScheduler {
  return pluginOf<ClusterScheduler>(system, NAME, "clusterSchedulerOf(system)", "@tsakt/cluster");
}
