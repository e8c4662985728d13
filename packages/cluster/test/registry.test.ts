import { create } from "@bufbuild/protobuf";
import { RegistryWriteQuorumError } from "@tsakt/cluster";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Parts } from "../src/cluster-parts.js";
import { type Member, PutSchema, RegistryEntrySchema, ReplicateSchema } from "../src/gen/tsakt/cluster/v1/cluster_pb.js";
import { advance, advanceUntil, drive, TestCluster, type TestNode, useClusterFakeTimers } from "./helpers.js";

const names5 = ["n1", "n2", "n3", "n4", "n5"];

/** Registers `count` keys, each by a node in turn (so owners are spread), and returns key → owner. */
async function putMany(nodes: readonly TestNode[], count: number): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const node = nodes[i % nodes.length] as TestNode;
    const result = await drive(node.cluster.registry.putIfAbsent(`actor/a${i}`, { kind: "Worker" }));
    expect(result.created).toBe(true);
    owners.set(`actor/a${i}`, node.name);
  }
  return owners;
}

describe("registry", () => {
  let cluster: TestCluster;

  beforeEach(() => {
    useClusterFakeTimers();
    cluster = new TestCluster();
  });

  afterEach(async () => {
    await cluster.shutdown();
    vi.useRealTimers();
  });

  it("reports its partition layout: primaries per member add up to the partitions, each node's share matches", async () => {
    const nodes = await cluster.start(3);
    await advanceUntil(() => cluster.agree(nodes, ["n1", "n2", "n3"]), 5000, "convergence");
    await putMany(nodes, 30);
    const stats = nodes.map((n) => n.cluster.registry.stats());
    const first = stats[0] as ReturnType<TestNode["cluster"]["registry"]["stats"]>;
    expect(Object.keys(first.primaryCounts).sort()).toEqual(["n1", "n2", "n3"]);
    expect(Object.values(first.primaryCounts).reduce((a, b) => a + b, 0)).toBe(first.partitions);
    for (const [i, s] of stats.entries()) {
      expect(s.primaryPartitions).toBe(first.primaryCounts[(nodes[i] as TestNode).name]);
      expect(s.heldPartitions).toBeGreaterThanOrEqual(s.primaryPartitions);
      expect(s.localEntries).toBe((nodes[i] as TestNode).cluster.registry.localEntryCount());
    }
    // Two copies of every entry (replicaCount 2).
    expect(stats.reduce((sum, s) => sum + s.localEntries, 0)).toBe(60);
  });

  it("registers, finds from every node, and removes a key", async () => {
    const nodes = await cluster.start(3);
    await advanceUntil(() => cluster.agree(nodes, ["n1", "n2", "n3"]), 5000, "convergence");
    const [n1, n2, n3] = nodes as [TestNode, TestNode, TestNode];
    const put = await drive(n1.cluster.registry.putIfAbsent("actor/orders", { kind: "Orders", data: new Uint8Array([7]) }));
    expect(put).toMatchObject({ created: true, entry: { key: "actor/orders", owner: "n1", kind: "Orders" } });
    for (const node of nodes)
      expect(await drive(node.cluster.registry.get("actor/orders"))).toMatchObject({ owner: "n1", data: new Uint8Array([7]) });
    expect(await drive(n2.cluster.registry.remove("actor/orders", { owner: "n2" }))).toBe(false);
    expect(await drive(n3.cluster.registry.remove("actor/orders", { owner: "n1" }))).toBe(true);
    for (const node of nodes) expect(await drive(node.cluster.registry.get("actor/orders"))).toBeUndefined();
    const again = await drive(n2.cluster.registry.putIfAbsent("actor/orders"));
    expect(again).toMatchObject({ created: true, entry: { owner: "n2" } });
  });

  it("removes a key whatever its owner when the remove names none, and reports a key already gone as not removed", async () => {
    const nodes = await cluster.start(3);
    await advanceUntil(() => cluster.agree(nodes, ["n1", "n2", "n3"]), 5000, "convergence");
    const [n1, n2] = nodes as [TestNode, TestNode, TestNode];
    expect((await drive(n1.cluster.registry.putIfAbsent("actor/anyone"))).created).toBe(true);
    expect(await drive(n2.cluster.registry.remove("actor/anyone"))).toBe(true);
    for (const node of nodes) expect(await drive(node.cluster.registry.get("actor/anyone"))).toBeUndefined();
    expect(await drive(n2.cluster.registry.remove("actor/anyone"))).toBe(false);
  });

  it("answers a put without a key with nothing and stores nothing", async () => {
    const nodes = await cluster.start(2);
    await advanceUntil(() => cluster.agree(nodes, ["n1", "n2"]), 5000, "convergence");
    const [n1, n2] = nodes as [TestNode, TestNode];
    const parts = (node: TestNode) => (node.cluster as unknown as { parts: Parts }).parts;
    const entry = create(RegistryEntrySchema, { key: "", owner: "n1", ownerUid: parts(n1).membership.self.member?.uid ?? "" });
    for (const target of nodes) {
      const reply = await drive(
        parts(n1).messenger.request(
          parts(target).membership.self.member as Member,
          { case: "put", value: create(PutSchema, { entry }) },
          1000,
        ),
      );
      expect(reply.body.case, target.name).toBeUndefined();
    }
    expect(n1.cluster.registry.localEntryCount() + n2.cluster.registry.localEntryCount()).toBe(0);
  });

  it("lets exactly one of two nodes racing put-if-absent on the same key win", async () => {
    const nodes = await cluster.start(5);
    await advanceUntil(() => cluster.agree(nodes, names5), 5000, "convergence");
    for (let i = 0; i < 25; i++) {
      const a = nodes[i % 5] as TestNode;
      const b = nodes[(i + 2) % 5] as TestNode;
      const key = `grain/Cart/${i}`;
      const [ra, rb] = await drive(Promise.all([a.cluster.registry.putIfAbsent(key), b.cluster.registry.putIfAbsent(key)]));
      expect([ra.created, rb.created].filter(Boolean)).toHaveLength(1);
      expect(ra.entry.owner).toBe(rb.entry.owner);
      expect(ra.entry.ownerUid).toBe(rb.entry.ownerUid);
      const winner = ra.created ? a.name : b.name;
      for (const node of nodes) expect((await drive(node.cluster.registry.get(key)))?.owner).toBe(winner);
    }
  });

  it.each(names5)("with replicaCount 2, killing %s loses no entry and reports exactly its entries for relocation", async (victim) => {
    const nodes = await cluster.start(5);
    await advanceUntil(() => cluster.agree(nodes, names5), 5000, "convergence");
    const owners = await putMany(nodes, 100);
    const survivors = cluster.others(victim);
    cluster.network.kill(victim);
    await advanceUntil(
      () =>
        cluster.agree(
          survivors,
          names5.filter((n) => n !== victim),
        ),
      // Unreachable after about 2 s, then stable for 1.5 s and 1.5 s of removal margin.
      12_000,
      `survivors drop ${victim}`,
    );
    await advance(3000);
    const victimKeys = [...owners].filter(([, owner]) => owner === victim).map(([key]) => key);
    // The victim keeps running unheard and reports its own view; only the survivors' reports count.
    expect(survivors.flatMap((n) => n.lost).sort()).toEqual([...victimKeys].sort());
    for (const [key, owner] of owners) {
      const reader = survivors[key.length % survivors.length] as TestNode;
      const entry = await drive(reader.cluster.registry.get(key));
      if (owner === victim) expect(entry, key).toBeUndefined();
      else expect(entry?.owner, key).toBe(owner);
    }
  });

  it("keeps every entry when nodes join and take partitions over", async () => {
    const first = await cluster.start(2);
    await advanceUntil(() => cluster.agree(first, ["n1", "n2"]), 5000, "convergence");
    const owners = await putMany(first, 60);
    await cluster.add("n3");
    await cluster.add("n4");
    await advanceUntil(() => cluster.agree(cluster.nodes, ["n1", "n2", "n3", "n4"]), 5000, "joined");
    await advance(3000);
    const newcomer = cluster.node("n4");
    for (const [key, owner] of owners) {
      expect((await drive(newcomer.cluster.registry.get(key)))?.owner, key).toBe(owner);
      expect((await drive(newcomer.cluster.registry.putIfAbsent(key))).created, key).toBe(false);
    }
    const held = cluster.nodes.map((n) => n.cluster.registry.localEntryCount());
    expect(held.every((n) => n > 0)).toBe(true);
  });

  it("replaces a node restarted under the same name, reporting its earlier run's entries for relocation", async () => {
    const nodes = await cluster.start(3);
    await advanceUntil(() => cluster.agree(nodes, ["n1", "n2", "n3"]), 5000, "convergence");
    const owners = await putMany(nodes, 30);
    const crashed = cluster.node("n3");
    const oldUid = crashed.cluster.self.uid;
    const oldAddress = crashed.cluster.self.address;
    // The process dies and a new one takes its name and port before anyone noticed.
    cluster.network.kill("n3");
    await crashed.transport.close();
    cluster.network.revive("n3");
    cluster.nodes.splice(cluster.nodes.indexOf(crashed), 1);
    const restarted = await cluster.add("n3", {}, crashed.transport.self.port);
    cluster.nodes.push(crashed);
    const survivors = cluster.others("n3");
    await advanceUntil(() => survivors.every((n) => n.cluster.member("n3")?.uid === restarted.cluster.self.uid), 3000, "new run seen");
    await advance(1000);
    expect(restarted.cluster.self.uid).not.toBe(oldUid);
    for (const node of survivors) expect(node.streamEvents.filter((e) => e === `left ${oldAddress}`)).toHaveLength(1);
    const oldKeys = [...owners].filter(([, owner]) => owner === "n3").map(([key]) => key);
    // The new run is primary of some partitions; it takes them over, and reports their share, while it starts.
    expect([...survivors, restarted].flatMap((n) => n.lost).sort()).toEqual([...oldKeys].sort());
    for (const key of oldKeys) expect(await drive(restarted.cluster.registry.get(key))).toBeUndefined();
  });

  it("gives a node restarted under its name the copies it holds, so they survive the loss of the other holder", async () => {
    const nodes = await cluster.start(3);
    await advanceUntil(() => cluster.agree(nodes, ["n1", "n2", "n3"]), 5000, "convergence");
    const owners = await putMany([cluster.node("n1")], 60);
    const crashed = cluster.node("n3");
    // The process dies and a new one takes its name and port before anyone noticed: the table by names is unchanged.
    cluster.network.kill("n3");
    await crashed.transport.close();
    cluster.network.revive("n3");
    cluster.nodes.splice(cluster.nodes.indexOf(crashed), 1);
    const restarted = await cluster.add("n3", {}, crashed.transport.self.port);
    cluster.nodes.push(crashed);
    const survivors = cluster.others("n3");
    await advanceUntil(() => survivors.every((n) => n.cluster.member("n3")?.uid === restarted.cluster.self.uid), 3000, "new run seen");
    await advance(3000);
    // Then n2, the other holder of the partitions n3 backs or leads with it, dies: only n3's copies are left of those.
    cluster.network.kill("n2");
    const reader = cluster.node("n1");
    await advanceUntil(
      () => reader.cluster.member("n2") === undefined && restarted.cluster.member("n2") === undefined,
      20_000,
      "n2 downed",
    );
    await advance(3000);
    const missing: string[] = [];
    for (const key of owners.keys()) if ((await drive(reader.cluster.registry.get(key)))?.owner !== "n1") missing.push(key);
    expect(missing).toEqual([]);
  });

  it("a joining node pulls its partitions from the members it meets late, before it serves them", async () => {
    const nodes = await cluster.start(4);
    await advanceUntil(() => cluster.agree(nodes, ["n1", "n2", "n3", "n4"]), 5000, "convergence");
    const owners = await putMany(nodes, 80);
    // n5 meets n1 at once; the others' links are so slow that its join gives up verifying them, so it starts with
    // n1 alone in its view and meets them a moment later.
    for (const name of ["n2", "n3", "n4"]) cluster.network.delay(name, 1500);
    const late = await cluster.add("n5");
    for (const name of ["n2", "n3", "n4"]) cluster.network.delay(name, 0);
    const keys = [...owners.keys()].filter((key) => late.cluster.registry.primaryOf(key) === "n5");
    const answers = keys.map((key) => late.cluster.registry.get(key));
    await advanceUntil(() => cluster.agree([...nodes, late], ["n1", "n2", "n3", "n4", "n5"]), 20_000, "n5 joined");
    const missing: string[] = [];
    for (const [i, answer] of answers.entries())
      if ((await drive(answer))?.owner !== owners.get(keys[i] as string)) missing.push(keys[i] as string);
    expect(keys.length).toBeGreaterThan(0);
    expect(missing).toEqual([]);
  });

  it("hands entries over on a graceful leave, even with a single copy per partition", async () => {
    cluster = new TestCluster({ replicaCount: 1 });
    const nodes = await cluster.start(3);
    await advanceUntil(() => cluster.agree(nodes, ["n1", "n2", "n3"]), 5000, "convergence");
    const owners = await putMany([cluster.node("n1"), cluster.node("n2")], 60);
    expect(cluster.node("n3").cluster.registry.localEntryCount()).toBeGreaterThan(0);
    await drive(cluster.node("n3").cluster.stop());
    await advance(1000);
    const reader = cluster.node("n1");
    for (const [key, owner] of owners) expect((await drive(reader.cluster.registry.get(key)))?.owner, key).toBe(owner);
  });

  it("falls back to a backup for lookups while a dead primary is not yet detected", async () => {
    const nodes = await cluster.start(3);
    await advanceUntil(() => cluster.agree(nodes, ["n1", "n2", "n3"]), 5000, "convergence");
    const owners = await putMany(nodes, 30);
    const reader = cluster.node("n1");
    const key = [...owners.keys()].find((k) => reader.cluster.registry.primaryOf(k) === "n2" && owners.get(k) !== "n2") as string;
    cluster.network.kill("n2");
    const entry = await drive(reader.cluster.registry.get(key), 4000, 10);
    expect(entry?.owner).toBe(owners.get(key));
    expect(reader.cluster.members().map((m) => m.name)).toContain("n2");
  });
});

describe("registry across a healed partition", () => {
  let cluster: TestCluster;

  beforeEach(() => {
    useClusterFakeTimers();
    cluster = new TestCluster();
  });

  afterEach(async () => {
    await cluster.shutdown();
    vi.useRealTimers();
  });

  it("two clusters that formed apart merge: a key registered in both resolves to the last writer everywhere, the loser is reported, nothing relocates", async () => {
    // n3 and n4 start while they cannot reach n1 and n2, so they form a cluster of their own.
    cluster.network.partition(["n1", "n2"], ["n3", "n4"]);
    const nodes = await cluster.start(4);
    const [n1, n2, n3, n4] = nodes as [TestNode, TestNode, TestNode, TestNode];
    await advanceUntil(() => cluster.agree([n1, n2], ["n1", "n2"]) && cluster.agree([n3, n4], ["n3", "n4"]), 10_000, "two clusters");
    expect((await drive(n2.cluster.registry.putIfAbsent("actor/dup"))).created).toBe(true);
    await advance(10);
    expect((await drive(n4.cluster.registry.putIfAbsent("actor/dup"))).created).toBe(true);
    cluster.network.heal();
    await advanceUntil(() => cluster.agree(nodes, ["n1", "n2", "n3", "n4"]), 20_000, "merged again");
    await advance(5000);
    for (const node of nodes) expect((await drive(node.cluster.registry.get("actor/dup")))?.owner).toBe("n4");
    const conflicts = nodes.flatMap((n) => n.conflicts);
    expect(conflicts.length).toBeGreaterThan(0);
    expect(new Set(conflicts)).toEqual(new Set(["kept n4, lost n2"]));
    expect(nodes.flatMap((n) => n.lost)).toEqual([]);
  });
});

describe("registry write quorum", () => {
  let cluster: TestCluster;

  beforeEach(() => {
    useClusterFakeTimers();
  });

  afterEach(async () => {
    await cluster.shutdown();
    vi.useRealTimers();
  });

  it("fails a write with RegistryWriteQuorumError when a backup is black-holed, and keeps none of it", async () => {
    // Every node holds every partition; the resolver waits long enough that the dead backup stays in the table.
    cluster = new TestCluster({ replicaCount: 3, downing: { stableAfterMs: 600_000 } });
    const nodes = await cluster.start(3);
    await advanceUntil(() => cluster.agree(nodes, ["n1", "n2", "n3"]), 5000, "convergence");
    const [n1, n2] = nodes as [TestNode, TestNode, TestNode];
    cluster.network.kill("n3");
    const key = Array.from({ length: 50 }, (_, i) => `actor/q${i}`).find((k) => n1.cluster.registry.primaryOf(k) === "n1") as string;
    const failed = await drive(
      n1.cluster.registry.putIfAbsent(key).catch((e: unknown) => e),
      120_000,
    );
    expect(failed).toMatchObject({ code: "RegistryWriteQuorum", key, operation: "put", needed: 3 });
    expect(failed).toBeInstanceOf(RegistryWriteQuorumError);
    // Rolled back at the primary and at the backup that took it.
    expect(await drive(n1.cluster.registry.get(key))).toBeUndefined();
    expect(n2.cluster.registry.localEntryCount()).toBe(0);
    cluster.network.revive("n3");
  });

  it("acknowledges a write with a black-holed backup when writeQuorum allows it (an explicit opt-out)", async () => {
    cluster = new TestCluster({ replicaCount: 3, writeQuorum: 2, downing: { stableAfterMs: 600_000 } });
    const nodes = await cluster.start(3);
    await advanceUntil(() => cluster.agree(nodes, ["n1", "n2", "n3"]), 5000, "convergence");
    const [n1, n2] = nodes as [TestNode, TestNode, TestNode];
    cluster.network.kill("n3");
    const key = Array.from({ length: 50 }, (_, i) => `actor/q${i}`).find((k) => n1.cluster.registry.primaryOf(k) === "n1") as string;
    expect((await drive(n1.cluster.registry.putIfAbsent(key), 60_000)).created).toBe(true);
    expect(n2.cluster.registry.localEntryCount()).toBe(1);
    cluster.network.revive("n3");
  });

  it("a backup refuses a write from a member that is not the key's primary in its view (a primary with a partial view gets no quorum)", async () => {
    cluster = new TestCluster({ replicaCount: 3 });
    const nodes = await cluster.start(3);
    await advanceUntil(() => cluster.agree(nodes, ["n1", "n2", "n3"]), 5000, "convergence");
    const [n1, n2, n3] = nodes as [TestNode, TestNode, TestNode];
    const key = Array.from({ length: 50 }, (_, i) => `actor/v${i}`).find((k) => n1.cluster.registry.primaryOf(k) === "n1") as string;
    const parts = (node: TestNode) => (node.cluster as unknown as { parts: Parts }).parts;
    const n2Member = parts(n2).membership.self.member as Member;
    const entry = create(RegistryEntrySchema, { key, owner: "n3", ownerUid: parts(n3).membership.self.member?.uid ?? "", version: 1 });
    // n3 acts as the primary it would be in a view without n1: n2 knows better and does not store the write.
    const asWrite = await drive(
      parts(n3).messenger.request(n2Member, { case: "replicate", value: create(ReplicateSchema, { entries: [entry], write: true }) }, 1000),
    );
    expect(asWrite.body).toMatchObject({ case: "replicated", value: { refused: true } });
    expect(n2.cluster.registry.localEntryCount()).toBe(0);
    // The real primary's write is stored; so is a hand-off push (not a write) from anyone.
    const fromPrimary = await drive(
      parts(n1).messenger.request(n2Member, { case: "replicate", value: create(ReplicateSchema, { entries: [entry], write: true }) }, 1000),
    );
    expect(fromPrimary.body).toMatchObject({ case: "replicated", value: { refused: false } });
    expect(n2.cluster.registry.localEntryCount()).toBe(1);
    const pushed = create(RegistryEntrySchema, { ...entry, key: `${key}-pushed` });
    const push = await drive(
      parts(n3).messenger.request(n2Member, { case: "replicate", value: create(ReplicateSchema, { entries: [pushed] }) }, 1000),
    );
    expect(push.body).toMatchObject({ case: "replicated", value: { refused: false } });
  });
});
