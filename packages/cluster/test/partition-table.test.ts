import { isTsaktError } from "@tsakt/actor";
import { PartitionTable } from "@tsakt/cluster";
import { describe, expect, it } from "vitest";

const five = ["n1", "n2", "n3", "n4", "n5"];

describe("partition table", () => {
  it("spreads 271 partitions evenly: each of 5 members is primary of roughly 271/5", () => {
    const table = new PartitionTable(five, 271, 2);
    const counts = table.primaryCounts();
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(271);
    for (const member of five) {
      const count = counts.get(member) ?? 0;
      expect(count, member).toBeGreaterThanOrEqual(Math.floor((271 / 5) * 0.7));
      expect(count, member).toBeLessThanOrEqual(Math.ceil((271 / 5) * 1.3));
    }
  });

  it("gives every partition a primary and replicaCount-1 distinct backups", () => {
    const table = new PartitionTable(five, 271, 3);
    for (let p = 0; p < 271; p++) {
      const replicas = table.replicas(p);
      expect(replicas).toHaveLength(3);
      expect(new Set(replicas).size).toBe(3);
      expect(table.primary(p)).toBe(replicas[0]);
      expect(table.backups(p)).toEqual(replicas.slice(1));
    }
  });

  it("moves only the partitions the joining member takes, about 1/n of them", () => {
    const before = new PartitionTable(five, 271, 2);
    const after = new PartitionTable([...five, "n6"], 271, 2);
    let moved = 0;
    for (let p = 0; p < 271; p++) {
      if (before.primary(p) === after.primary(p)) continue;
      moved++;
      expect(after.primary(p)).toBe("n6");
    }
    expect(moved).toBe(after.primaryCounts().get("n6"));
    expect(moved).toBeGreaterThan(0);
    expect(moved).toBeLessThanOrEqual(Math.ceil((271 / 6) * 1.5));
  });

  it("moves only the departed member's partitions when one leaves, to its former backups", () => {
    const before = new PartitionTable(five, 271, 2);
    const after = new PartitionTable(
      five.filter((m) => m !== "n3"),
      271,
      2,
    );
    for (let p = 0; p < 271; p++) {
      if (before.primary(p) !== "n3") expect(after.primary(p)).toBe(before.primary(p));
      else expect(after.primary(p)).toBe(before.backups(p)[0]);
    }
  });

  it("is the same on every node whatever order members are listed in", () => {
    const a = new PartitionTable(five, 271, 2);
    const b = new PartitionTable([...five].reverse(), 271, 2);
    for (let p = 0; p < 271; p++) expect(b.replicas(p)).toEqual(a.replicas(p));
    expect(a.partitionOf("actor/orders")).toBe(PartitionTable.partitionOf("actor/orders", 271));
  });

  it("uses every member when there are fewer members than replicaCount, and none when there are none", () => {
    expect(new PartitionTable(["solo"], 7, 3).replicas(0)).toEqual(["solo"]);
    expect(new PartitionTable([], 7, 2).primary(0)).toBeUndefined();
  });

  it("rejects a bad partition count or replica count naming the field", () => {
    const fieldOf = (make: () => unknown): string | undefined => {
      try {
        make();
      } catch (error) {
        return isTsaktError(error, "InvalidOption") ? (error as { field?: string }).field : "other";
      }
      return undefined;
    };
    expect(fieldOf(() => new PartitionTable(five, 0, 2))).toBe("partitions");
    expect(fieldOf(() => new PartitionTable(five, 271, 0))).toBe("replicaCount");
  });
});
