import type { RegistryEntry } from "./gen/tsakt/cluster/v1/cluster_pb.js";
import { PartitionTable } from "./partition-table.js";

/** What merging one entry did. */
export interface MergeResult {
  /** The incoming entry replaced the stored one (or there was none). */
  applied: boolean;
  /** The entry stored before the merge. */
  previous: RegistryEntry | undefined;
}

/**
 * The registry entries this node holds, grouped by partition, tombstones included. Copies merge last-writer-wins
 * by version, so merging in any order gives the same result on every node.
 */
export class PartitionStore {
  private readonly byPartition = new Map<number, Map<string, RegistryEntry>>();

  constructor(private readonly partitions: number) {}

  /** The stored entry of `key` (possibly a tombstone). */
  get(key: string): RegistryEntry | undefined {
    return this.byPartition.get(PartitionTable.partitionOf(key, this.partitions))?.get(key);
  }

  /** Stores `entry` unconditionally (the primary's own writes). */
  set(entry: RegistryEntry): void {
    const p = PartitionTable.partitionOf(entry.key, this.partitions);
    let map = this.byPartition.get(p);
    if (map === undefined) this.byPartition.set(p, (map = new Map()));
    map.set(entry.key, entry);
  }

  /** Keeps whichever of the stored and incoming entry wins (see `wins`). */
  merge(entry: RegistryEntry): MergeResult {
    const previous = this.get(entry.key);
    if (previous !== undefined && !wins(entry, previous)) return { applied: false, previous };
    this.set(entry);
    return { applied: true, previous };
  }

  /** Entries (tombstones included) of partition `p`. */
  entries(p: number): RegistryEntry[] {
    const map = this.byPartition.get(p);
    return map === undefined ? [] : [...map.values()];
  }

  /** Partitions with at least one entry here. */
  partitionsHeld(): number[] {
    return [...this.byPartition.keys()];
  }

  /** Forgets partition `p`. */
  drop(p: number): void {
    this.byPartition.delete(p);
  }

  /** Forgets tombstones whose version is below `before`. */
  sweepTombstones(before: number): void {
    for (const [p, map] of this.byPartition) {
      for (const [key, entry] of map) if (entry.removed && entry.version < before) map.delete(key);
      if (map.size === 0) this.byPartition.delete(p);
    }
  }

  /** Number of live (not removed) entries held, for tests and metrics. */
  liveCount(): number {
    let n = 0;
    for (const map of this.byPartition.values()) for (const entry of map.values()) if (!entry.removed) n++;
    return n;
  }
}

/** True when `a` beats `b`: higher version, then a tombstone over a live entry, then the larger owner and uid (deterministic). */
export function wins(a: RegistryEntry, b: RegistryEntry): boolean {
  if (a.version !== b.version) return a.version > b.version;
  if (a.removed !== b.removed) return a.removed;
  if (a.owner !== b.owner) return a.owner > b.owner;
  return a.ownerUid > b.ownerUid;
}

/** True when two live entries name different owners for one key: a duplicate that a merge resolves. */
export function conflicts(a: RegistryEntry, b: RegistryEntry): boolean {
  return !a.removed && !b.removed && (a.owner !== b.owner || a.ownerUid !== b.ownerUid);
}
