import type { Attributes, Meter } from "@tsakt/actor/internal";
import type { Parts } from "./cluster-parts.js";
import { type MemberStatusName, toClusterMember } from "./member.js";

/** Registry operations by name ("put", "get", "remove") and outcome, counted where they return or throw. */
export class RegistryOperationCounts {
  readonly ok = new Map<string, number>();
  readonly failed = new Map<string, number>();

  /** Counts one operation. */
  count(operation: string, ok: boolean): void {
    const map = ok ? this.ok : this.failed;
    map.set(operation, (map.get(operation) ?? 0) + 1);
  }
}

/** What the cluster's instruments read at collection time. */
export interface ClusterMetricsSource {
  /** The running cluster's parts; undefined while stopped. */
  parts(): Parts | undefined;
  /** Members this node downed (split-brain resolver or cluster.down). */
  downings(): number;
}

const statuses: readonly MemberStatusName[] = ["alive", "suspect", "dead", "left"];

/**
 * The cluster's instruments, all observed at collection time: members by status, suspicions this node raised,
 * registry operations by outcome, relocations, and members this node downed.
 */
export function instrumentCluster(meter: Meter, system: string, source: ClusterMetricsSource): void {
  const base: Attributes = { "tsakt.system": system };
  meter
    .createObservableUpDownCounter("tsakt.cluster.members", { description: "Members known to this node, by status", unit: "{member}" })
    .addCallback((r) => {
      const parts = source.parts();
      if (parts === undefined) return;
      const counts = new Map<string, number>(statuses.map((s) => [s, 0]));
      for (const state of parts.membership.all()) {
        const status = toClusterMember(state).status;
        counts.set(status, (counts.get(status) ?? 0) + 1);
      }
      for (const [status, n] of counts) r.observe(n, { ...base, "tsakt.member.status": status });
    });
  meter
    .createObservableCounter("tsakt.cluster.suspicions", {
      description: "Members this node's failure detector suspected",
      unit: "{suspicion}",
    })
    .addCallback((r) => {
      const parts = source.parts();
      if (parts !== undefined) r.observe(parts.membership.suspected, base);
    });
  meter
    .createObservableCounter("tsakt.cluster.registry.operations", {
      description: "Registry operations this node made, by outcome",
      unit: "{operation}",
    })
    .addCallback((r) => {
      const counts = source.parts()?.registry.operations;
      if (counts === undefined) return;
      for (const [op, n] of counts.ok) r.observe(n, { ...base, "tsakt.registry.operation": op, "tsakt.outcome": "ok" });
      for (const [op, n] of counts.failed) r.observe(n, { ...base, "tsakt.registry.operation": op, "tsakt.outcome": "error" });
    });
  meter
    .createObservableCounter("tsakt.cluster.relocations", {
      description: "Actors this node re-created after their member was lost",
      unit: "{actor}",
    })
    .addCallback((r) => {
      const parts = source.parts();
      if (parts !== undefined) r.observe(parts.placement.relocations, base);
    });
  meter
    .createObservableCounter("tsakt.cluster.downings", { description: "Members this node downed", unit: "{member}" })
    .addCallback((r) => r.observe(source.downings(), base));
}
