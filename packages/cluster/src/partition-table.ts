import { InvalidOptionError } from "@tsakt/actor";
import { hashString, mix32 } from "@tsakt/actor/internal";

const noOwners: readonly string[] = Object.freeze([]);

/**
 * Maps partitions to members by rendezvous (highest-random-weight) hashing: each partition ranks every member by
 * hash(partition, member) and the top `replicaCount` hold it, the first as primary. A joining member takes over only
 * the partitions it ranks first in (about 1/n of them), and a leaving one gives up only its own, so little moves.
 */
export class PartitionTable {
  private readonly owners: (readonly string[])[];

  constructor(
    /** Names of the members that hold partitions. */
    readonly members: readonly string[],
    /** Number of partitions. */
    readonly partitions: number,
    /** Holders per partition: the primary and replicaCount-1 backups (fewer when there are fewer members). */
    readonly replicaCount: number,
  ) {
    if (!Number.isInteger(partitions) || partitions < 1)
      throw new InvalidOptionError("partitions", `must be a whole number >= 1, got ${String(partitions)}`);
    if (!Number.isInteger(replicaCount) || replicaCount < 1)
      throw new InvalidOptionError("replicaCount", `must be a whole number >= 1, got ${String(replicaCount)}`);
    const names = [...new Set(members)].sort();
    const hashes = names.map(hashString);
    const holders = Math.min(replicaCount, names.length);
    this.owners = new Array<readonly string[]>(partitions);
    const scores = new Array<number>(names.length);
    const order = names.map((_, i) => i);
    for (let p = 0; p < partitions; p++) {
      if (holders === 0) {
        this.owners[p] = noOwners;
        continue;
      }
      const salt = mix32(Math.imul(p + 1, 0x9e3779b9));
      for (let i = 0; i < names.length; i++) scores[i] = mix32((hashes[i] as number) ^ salt);
      // Ties (rare) fall back to name order, which `names` already has, so every node ranks alike.
      order.sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
      this.owners[p] = Object.freeze(order.slice(0, holders).map((i) => names[i] as string));
    }
  }

  /** The partition of `key` among `partitions`. */
  static partitionOf(key: string, partitions: number): number {
    return hashString(key) % partitions;
  }

  /** The partition of `key` in this table. */
  partitionOf(key: string): number {
    return hashString(key) % this.partitions;
  }

  /** The primary of partition `p`, or undefined when there are no members. */
  primary(p: number): string | undefined {
    return this.owners[p]?.[0];
  }

  /** The holders of partition `p`, primary first. */
  replicas(p: number): readonly string[] {
    return this.owners[p] ?? noOwners;
  }

  /** The backups of partition `p` (the holders after the primary). */
  backups(p: number): readonly string[] {
    return this.replicas(p).slice(1);
  }

  /** True when `member` holds partition `p` (as primary or backup). */
  holds(p: number, member: string): boolean {
    return this.replicas(p).includes(member);
  }

  /** Number of partitions each member is primary of. */
  primaryCounts(): Map<string, number> {
    const counts = new Map<string, number>(this.members.map((m) => [m, 0]));
    for (const owners of this.owners) {
      const primary = owners[0];
      if (primary !== undefined) counts.set(primary, (counts.get(primary) ?? 0) + 1);
    }
    return counts;
  }
}
