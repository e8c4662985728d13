import { InvalidOptionError } from "@tsakt/actor";

/** What to do with due times that passed while no member owned a job (during a failover). */
export type MissedPolicy = "catch-up" | "skip";

/** Options of clusterScheduler(). */
export interface ClusterSchedulerOptions {
  /** How often the owner checks for due times, in ms. Default: 100. */
  tickMs?: number;
  /** How often the owner re-reads the job list (jobs added or cancelled on other nodes), in ms. Default: 1000. */
  refreshMs?: number;
  /** How far back a new owner looks for missed due times, in ms; older ones are neither caught up nor counted. Default: 60000. */
  catchUpWindowMs?: number;
  /** The most missed due times one job catches up after a failover (the newest ones). Default: 100. */
  maxCatchUp?: number;
  /** A delivery this long after its due time is marked `late`, in ms. Default: 1000. */
  lateAfterMs?: number;
}

/** Options of scheduleOnce. */
export interface ClusterJobOptions {
  /** A due time that passed during a failover: deliver it late ("catch-up") or drop it ("skip"). Default: "catch-up". */
  missed?: MissedPolicy;
}

/** Options of scheduleCron. */
export interface ClusterCronOptions extends ClusterJobOptions {
  /** IANA time zone the expression is read in; the same for every node, whatever their local zones. Default: "UTC". */
  timezone?: string;
}

/** The defaults of clusterScheduler(). */
export const clusterSchedulerDefaults: Readonly<Required<ClusterSchedulerOptions>> = Object.freeze({
  tickMs: 100,
  refreshMs: 1000,
  catchUpWindowMs: 60_000,
  maxCatchUp: 100,
  lateAfterMs: 1000,
});

/** Checks clusterScheduler() options (InvalidOptionError names the field) and fills in the defaults. */
export function schedulerSettings(options: unknown): Required<ClusterSchedulerOptions> {
  if (options === undefined) return { ...clusterSchedulerDefaults };
  if (typeof options !== "object" || options === null) throw new InvalidOptionError("options", "must be an object");
  const settings: Record<string, number> = { ...clusterSchedulerDefaults };
  for (const [key, value] of Object.entries(options)) {
    if (!(key in clusterSchedulerDefaults))
      throw new InvalidOptionError(
        key,
        `is not an option of clusterScheduler (known: ${Object.keys(clusterSchedulerDefaults).join(", ")})`,
      );
    if (value === undefined) continue;
    const integer = key === "maxCatchUp";
    if (typeof value !== "number" || !Number.isFinite(value) || value < (integer ? 0 : 1) || (integer && !Number.isInteger(value)))
      throw new InvalidOptionError(key, `must be ${integer ? "an integer >= 0" : "a number of milliseconds >= 1"}, got ${String(value)}`);
    settings[key] = value;
  }
  return settings as Required<ClusterSchedulerOptions>;
}

/** Checks a job's `missed` option. */
export function missedOf(options: { missed?: unknown } | undefined): MissedPolicy {
  const missed = options?.missed ?? "catch-up";
  if (missed !== "catch-up" && missed !== "skip")
    throw new InvalidOptionError("missed", `must be "catch-up" or "skip", got ${String(missed)}`);
  return missed;
}
