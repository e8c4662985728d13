import { TsaktError } from "@tsakt/actor";

/** Why a datacenter cannot take a call: "unknown" (no record seen), "inactive", "draining" (no new placements) or "unreachable" (no gateway answered). */
export type UnavailableReason = "unknown" | "inactive" | "draining" | "unreachable";

/** A call named a datacenter that cannot take it now; fails fast instead of waiting for a timeout. */
export class DatacenterUnavailableError extends TsaktError {
  constructor(
    /** The datacenter named in the call. */
    readonly datacenter: string,
    /** Why it cannot take the call. */
    readonly reason: UnavailableReason,
    options?: ErrorOptions,
  ) {
    super("DatacenterUnavailable", `datacenter "${datacenter}" is unavailable (${reason}): ${advice[reason]}`, options);
  }
}

const advice: Record<UnavailableReason, string> = {
  unknown:
    "no record of it was seen in the control plane; check the name and that its nodes run multiDatacenter() on the same control plane",
  inactive: "its lease ran out or it was drained; call another datacenter or wait until it is ACTIVE again",
  draining: 'it takes no new placements; spawn elsewhere or pass fallback: "local"',
  unreachable: "none of its gateway nodes answered; retry later or call another datacenter",
};

/** drain() could not reach this datacenter's leader. */
export class DrainFailedError extends TsaktError {
  constructor(message: string, options?: ErrorOptions) {
    super("DrainFailed", `drain failed: ${message}; retry once the cluster has a leader`, options);
  }
}

/** The multi-datacenter plugin was used before its system started or after it stopped. */
export class MultiDatacenterNotRunningError extends TsaktError {
  constructor() {
    super("MultiDatacenterNotRunning", "the multi-datacenter plugin is not running; use it between ActorSystem.start and system.stop");
  }
}
