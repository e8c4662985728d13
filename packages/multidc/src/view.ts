import type { ClusterDatacenter } from "@tsakt/cluster";
import type { DatacenterRecord, DatacenterState } from "./record.js";

/**
 * What this node knows of one datacenter: its last record (name, labels, system, gateway endpoints, heartbeat) and
 * the state it has here: the record's state while the record is refreshed within leaseMs, INACTIVE otherwise. The
 * same shape as the cluster's ClusterDatacenter, with the state typed.
 */
export interface DatacenterInfo extends ClusterDatacenter {
  /** The state here: the record's state while the record is refreshed within leaseMs, INACTIVE otherwise. */
  readonly state: DatacenterState;
}

interface Entry {
  record: DatacenterRecord;
  present: boolean;
  key: string;
  changedAtMs: number;
  state: DatacenterState | undefined;
}

/** A state change seen by this node; `previous` is undefined when the datacenter was new here. */
export type StateChange = { name: string; state: DatacenterState; previous: DatacenterState | undefined };

/**
 * The datacenters as this node sees them, from successive reads of the control plane. A record is fresh while its
 * heartbeat (sequence, time or state) changed within `leaseMs` of this node's clock, so clocks of other datacenters
 * matter only once: a record seen for the first time is dated by its writer's heartbeat. A control-plane outage
 * freezes the states instead of expiring every datacenter at once, and live ones get a whole lease after it.
 */
export class DatacenterView {
  private readonly entries = new Map<string, Entry>();
  private outageSinceMs: number | undefined = undefined;

  constructor(
    private readonly leaseMs: number,
    private readonly localName: string,
  ) {}

  /** True while the last read of the control plane failed. */
  get controlPlaneReachable(): boolean {
    return this.outageSinceMs === undefined;
  }

  /** Takes a successful read of the control plane at `nowMs`; returns the state changes it causes. */
  observe(records: readonly DatacenterRecord[], nowMs: number): StateChange[] {
    if (this.outageSinceMs !== undefined) {
      // Writers reconnect later than some readers: a datacenter that was live when the outage began gets a whole
      // lease from now to write again; one already INACTIVE keeps its age, minus the outage.
      const outage = nowMs - this.outageSinceMs;
      for (const entry of this.entries.values()) entry.changedAtMs = entry.state === "INACTIVE" ? entry.changedAtMs + outage : nowMs;
      this.outageSinceMs = undefined;
    }
    const seen = new Set<string>();
    for (const record of records) {
      seen.add(record.name);
      const key = `${record.sequence}|${record.heartbeatAtMs}|${record.state}`;
      const entry = this.entries.get(record.name);
      // A record never seen before has no change to time: its writer's clock dates it, once (never later than now).
      if (entry === undefined)
        this.entries.set(record.name, { record, present: true, key, changedAtMs: Math.min(nowMs, record.heartbeatAtMs), state: undefined });
      else {
        if (entry.key !== key || !entry.present) entry.changedAtMs = nowMs;
        Object.assign(entry, { record, present: true, key });
      }
    }
    for (const [name, entry] of this.entries) if (!seen.has(name)) entry.present = false;
    return this.evaluate(nowMs);
  }

  /** Takes a failed read at `nowMs`: the states stay as they are until a read succeeds again. */
  unreachable(nowMs: number): void {
    this.outageSinceMs ??= nowMs;
  }

  /** This node's view of datacenter `name`, or undefined when no record of it was ever seen. */
  get(name: string): DatacenterInfo | undefined {
    const entry = this.entries.get(name);
    return entry === undefined ? undefined : this.info(entry);
  }

  /** The last record read for `name`, also after it disappeared; undefined when never seen. */
  record(name: string): DatacenterRecord | undefined {
    return this.entries.get(name)?.record;
  }

  /** Every datacenter seen, by name. */
  all(): DatacenterInfo[] {
    return [...this.entries.values()].map((e) => this.info(e)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private evaluate(nowMs: number): StateChange[] {
    const changes: StateChange[] = [];
    for (const [name, entry] of this.entries) {
      const fresh = entry.present && nowMs - entry.changedAtMs <= this.leaseMs;
      const state: DatacenterState = fresh ? entry.record.state : "INACTIVE";
      if (state !== entry.state) {
        changes.push({ name, state, previous: entry.state });
        entry.state = state;
      }
    }
    return changes;
  }

  private info(entry: Entry): DatacenterInfo {
    const { record } = entry;
    return {
      name: record.name,
      labels: record.labels,
      system: record.system,
      endpoints: record.endpoints,
      state: entry.state ?? "INACTIVE",
      heartbeatAtMs: record.heartbeatAtMs,
      local: record.name === this.localName,
    };
  }
}
