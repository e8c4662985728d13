// PartitionStore on its own: last-writer-wins merging, tombstone sweeps and the per-partition bookkeeping that the
// registry tests reach only through whole nodes.
import { create } from "@bufbuild/protobuf";
import { PartitionTable } from "@tsakt/cluster";
import { describe, expect, it } from "vitest";
import { type RegistryEntry, RegistryEntrySchema } from "../src/gen/tsakt/cluster/v1/cluster_pb.js";
import { conflicts, PartitionStore, wins } from "../src/partition-store.js";

const partitions = 7;

function entry(key: string, version: number, more: Partial<Pick<RegistryEntry, "owner" | "ownerUid" | "removed">> = {}): RegistryEntry {
  return create(RegistryEntrySchema, { key, version, owner: "n1", ownerUid: "u1", ...more });
}

/** Two keys in different partitions, and a third in the first one's partition. */
function keys(): { a: string; b: string; a2: string } {
  const partitionOf = (k: string) => PartitionTable.partitionOf(k, partitions);
  const all = Array.from({ length: 200 }, (_, i) => `actor/k${i}`);
  const a = all[0] as string;
  const b = all.find((k) => partitionOf(k) !== partitionOf(a)) as string;
  const a2 = all.find((k) => k !== a && partitionOf(k) === partitionOf(a)) as string;
  return { a, b, a2 };
}

describe("partition store", () => {
  it("orders entries by version, then a tombstone over a live entry, then owner, then owner uid", () => {
    const base = entry("k", 5);
    expect(wins(entry("k", 6), base)).toBe(true);
    expect(wins(base, entry("k", 6))).toBe(false);
    expect(wins(entry("k", 4, { removed: true, owner: "n9" }), base)).toBe(false);
    expect(wins(entry("k", 5, { removed: true }), base)).toBe(true);
    expect(wins(base, entry("k", 5, { removed: true }))).toBe(false);
    expect(wins(entry("k", 5, { owner: "n2" }), base)).toBe(true);
    expect(wins(base, entry("k", 5, { owner: "n2" }))).toBe(false);
    expect(wins(entry("k", 5, { owner: "n2", ownerUid: "u0" }), base)).toBe(true);
    expect(wins(entry("k", 5, { ownerUid: "u2" }), base)).toBe(true);
    expect(wins(base, entry("k", 5, { ownerUid: "u2" }))).toBe(false);
    // Neither of two equal entries wins: merging a copy of the stored entry changes nothing.
    expect(wins(entry("k", 5), base)).toBe(false);
  });

  it("merges copies last-writer-wins, reporting what was stored, to the same result in any order", () => {
    const { a } = keys();
    const copies = [entry(a, 3), entry(a, 5, { owner: "n2" }), entry(a, 5, { owner: "n1" }), entry(a, 4, { removed: true })];
    const orders = [
      [0, 1, 2, 3],
      [3, 2, 1, 0],
      [2, 0, 3, 1],
      [1, 3, 0, 2],
    ];
    for (const order of orders) {
      const store = new PartitionStore(partitions);
      for (const i of order) store.merge(copies[i] as RegistryEntry);
      expect(store.get(a), String(order)).toBe(copies[1]);
    }
    const store = new PartitionStore(partitions);
    expect(store.merge(copies[0] as RegistryEntry)).toEqual({ applied: true, previous: undefined });
    expect(store.merge(copies[1] as RegistryEntry)).toEqual({ applied: true, previous: copies[0] });
    expect(store.merge(copies[2] as RegistryEntry)).toEqual({ applied: false, previous: copies[1] });
    expect(store.merge(entry(a, 5, { owner: "n2" }))).toEqual({ applied: false, previous: copies[1] });
    expect(store.get(a)).toBe(copies[1]);
  });

  it("keeps entries per partition: lists, drops and counts them, tombstones apart", () => {
    const { a, b, a2 } = keys();
    const pa = PartitionTable.partitionOf(a, partitions);
    const pb = PartitionTable.partitionOf(b, partitions);
    const store = new PartitionStore(partitions);
    expect(store.partitionsHeld()).toEqual([]);
    expect(store.entries(pa)).toEqual([]);
    store.set(entry(a, 1));
    store.set(entry(a2, 1, { removed: true }));
    store.set(entry(b, 1));
    // set stores unconditionally, even an older version.
    store.set(entry(b, 0, { owner: "n3" }));
    expect(store.get(b)?.owner).toBe("n3");
    expect(store.partitionsHeld().sort()).toEqual([pa, pb].sort());
    expect(store.entries(pa).map((e) => e.key)).toEqual([a, a2]);
    expect(store.liveCount()).toBe(2);
    store.drop(pa);
    expect(store.partitionsHeld()).toEqual([pb]);
    expect(store.get(a)).toBeUndefined();
    expect(store.liveCount()).toBe(1);
  });

  it("sweeps only tombstones older than the given version, and forgets partitions left empty", () => {
    const { a, b, a2 } = keys();
    const pa = PartitionTable.partitionOf(a, partitions);
    const pb = PartitionTable.partitionOf(b, partitions);
    const store = new PartitionStore(partitions);
    store.set(entry(a, 9, { removed: true }));
    store.set(entry(a2, 10, { removed: true }));
    store.set(entry(b, 1, { removed: true }));
    store.sweepTombstones(10);
    expect(store.get(a)).toBeUndefined();
    expect(store.get(a2)?.version).toBe(10);
    expect(store.partitionsHeld()).toEqual([pa]);
    expect(store.entries(pb)).toEqual([]);
    // A live entry is never swept, however old.
    store.set(entry(b, 1));
    store.sweepTombstones(100);
    expect(store.partitionsHeld()).toEqual([pb]);
    expect(store.get(b)?.removed).toBe(false);
  });

  it("calls two live entries naming different owners or runs a conflict, and nothing with a tombstone", () => {
    const base = entry("k", 1);
    expect(conflicts(base, entry("k", 2, { owner: "n2" }))).toBe(true);
    expect(conflicts(base, entry("k", 2, { ownerUid: "u2" }))).toBe(true);
    expect(conflicts(base, entry("k", 2))).toBe(false);
    expect(conflicts(entry("k", 1, { removed: true }), entry("k", 2, { owner: "n2" }))).toBe(false);
    expect(conflicts(base, entry("k", 2, { owner: "n2", removed: true }))).toBe(false);
  });
});
