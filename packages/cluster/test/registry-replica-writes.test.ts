// RegistryReplica driven directly (replica-world.ts): the write quorum and its undo, what a backup refuses, pushes
// and forwarding, a new primary's pull from members it has not met yet, purges of lost owners and versions.
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ReplicateSchema } from "../src/gen/tsakt/cluster/v1/cluster_pb.js";
import type { MessageBody } from "../src/messenger.js";
import { entryIn, entryOf, keyIn, lostKeys, partitions, ReplicaWorld, requests, threeWithEntries } from "./replica-world.js";

/** Two active replicas n1, n2 (each holds every partition); returns the key of partition 0 and its primary and backup. */
function pair(world: ReplicaWorld): { key: string; primary: string; backup: string } {
  for (const name of ["n1", "n2"]) world.add(name);
  world.see(["n1", "n2"]);
  for (const node of world.nodes.values()) node.replica.activate();
  const table = world.table(["n1", "n2"]);
  return { key: keyIn(0), primary: table.primary(0) as string, backup: table.backups(0)[0] as string };
}

const push = (entries = [entryOf(keyIn(0), "n9", 1)]): MessageBody => ({ case: "replicate", value: create(ReplicateSchema, { entries }) });

describe("registry replica: write quorum", () => {
  it("undoes a remove short of its quorum: the entry is back, and the answer says how many copies it had", async () => {
    const world = new ReplicaWorld();
    const { key, primary, backup } = pair(world);
    await world.serve(primary, requests.put(key, "n1"));
    world.unreachable.add(backup);
    expect(await world.serve(primary, requests.remove(key))).toMatchObject({
      case: "writeFailed",
      value: { key, acks: 1, needed: 2, reason: "backups unreachable" },
    });
    expect(entryIn(await world.serve(primary, requests.lookup(key)))).toMatchObject({ key, owner: "n1" });
  });

  it("caps a numeric writeQuorum at the copies there are, and fails a write short of it", async () => {
    const capped = new ReplicaWorld({ writeQuorum: 5 });
    const a = pair(capped);
    expect(await capped.serve(a.primary, requests.put(a.key, "n1"))).toMatchObject({ case: "putResult", value: { created: true } });
    const two = new ReplicaWorld({ writeQuorum: 2 });
    const b = pair(two);
    two.unreachable.add(b.backup);
    expect(await two.serve(b.primary, requests.put(b.key, "n1"))).toMatchObject({ case: "writeFailed", value: { acks: 1, needed: 2 } });
  });

  it("fails a write that a backup refuses because it sees another primary", async () => {
    const world = new ReplicaWorld();
    const names = ["n1", "n2", "n3"];
    for (const name of names) world.add(name);
    const full = world.table(names);
    // `partial` sees only itself and `backup`, and takes itself for the primary of p, which `hidden` leads.
    let found: { p: number; partial: string; backup: string; hidden: string } | undefined;
    for (let p = 0; p < partitions && found === undefined; p++) {
      const hidden = full.primary(p) as string;
      const partial = full.backups(p)[0] as string;
      found = { p, partial, backup: names.find((n) => n !== hidden && n !== partial) as string, hidden };
    }
    const { p, partial, backup } = found as NonNullable<typeof found>;
    world.see(names);
    world.node(partial).view = [partial, backup];
    for (const node of world.nodes.values()) node.replica.viewChanged();
    for (const node of world.nodes.values()) node.replica.activate();
    const key = keyIn(p);
    expect(await world.serve(partial, requests.put(key, "n1"))).toMatchObject({ case: "writeFailed", value: { acks: 1, needed: 2 } });
    // The refused write left nothing live there (it got the undo, a tombstone).
    expect(world.node(backup).replica.store.liveCount()).toBe(0);
  });

  it("sends nothing to a backup its membership already reports down, though its table still lists it", async () => {
    const world = new ReplicaWorld();
    const { key, primary, backup } = pair(world);
    world.downed.add(backup);
    const since = world.sent.length;
    expect(await world.serve(primary, requests.put(key, "n1"))).toMatchObject({ case: "writeFailed" });
    expect(world.describe(since).filter((r) => r.includes(`>${backup} replicate`))).toEqual([]);
  });
});

describe("registry replica: pushes and pulls", () => {
  it("sends no empty copies when members join and nothing is registered", async () => {
    const world = new ReplicaWorld();
    for (const name of ["n1", "n2", "n3"]) world.add(name);
    world.see(["n1", "n2", "n3"]);
    for (const node of world.nodes.values()) node.replica.activate();
    world.add("n4");
    world.see(["n1", "n2", "n3", "n4"]);
    world.node("n4").replica.activate();
    await world.settle(Promise.resolve());
    expect(world.describe().filter((r) => r.includes("replicate"))).toEqual([]);
  });

  it("forwards a pushed copy that changed something: from the primary to its backups, from a backup to the primary", async () => {
    const world = new ReplicaWorld();
    for (const name of ["n1", "n2", "n3"]) world.add(name);
    world.see(["n1", "n2", "n3"]);
    for (const node of world.nodes.values()) node.replica.activate();
    const table = world.table(["n1", "n2", "n3"]);
    const [primary, backup] = table.replicas(0) as [string, string];
    const other = ["n1", "n2", "n3"].find((n) => !table.holds(0, n)) as string;
    let since = world.sent.length;
    await world.serve(primary, push([entryOf(keyIn(0), "n9", 1)]), other);
    expect(world.describe(since)).toEqual([`${primary}>${backup} replicate [0]`]);
    expect(world.node(backup).replica.store.get(keyIn(0))?.owner).toBe("n9");
    // Already known: nothing goes on.
    since = world.sent.length;
    await world.serve(primary, push([entryOf(keyIn(0), "n9", 1)]), other);
    expect(world.describe(since)).toEqual([]);
    await world.serve(backup, push([entryOf(keyIn(0, 1), "n9", 1)]), other);
    // The primary then sends it on to its backups, this one included (which merges it as known).
    expect(world.describe(since)).toEqual([`${backup}>${primary} replicate [0]`, `${primary}>${backup} replicate [0]`]);
    // Sent by the primary itself: not sent back.
    since = world.sent.length;
    await world.serve(backup, push([entryOf(keyIn(0, 2), "n9", 1)]), primary);
    expect(world.describe(since)).toEqual([]);
    expect(world.node(backup).replica.store.get(keyIn(0, 2))).toBeDefined();
  });

  it("a new primary pulls from members it meets while it takes over, every 100 ms, for at most 2 x handoffTimeoutMs", async () => {
    const world = new ReplicaWorld();
    for (const name of ["n1", "n3"]) world.add(name);
    world.see(["n1", "n3"]);
    for (const name of ["n1", "n3"]) world.node(name).replica.activate();
    const t0 = world.clock.now();
    const both = world.table(["n1", "n2"]);
    const all = world.table(["n1", "n2", "n3"]);
    const p = Array.from({ length: partitions }, (_, i) => i).find((i) => both.primary(i) === "n2" && all.primary(i) === "n2") as number;
    const [met, unmet] = [keyIn(p), keyIn(p, 1)];
    // The only copy of `unmet` is at n3; n1 has `met`.
    world.node("n1").replica.store.set(entryOf(met, "n1", 1));
    world.node("n3").replica.store.set(entryOf(unmet, "n3", 1));
    const n2 = world.add("n2", ["n1", "n2"]);
    n2.rumored = ["n3"];
    n2.replica.activate();
    let answered: MessageBody | undefined;
    void n2.replica.serve(requests.lookup(unmet)).then((b) => (answered = b));
    await world.clock.advance(99);
    expect(answered).toBeUndefined();
    n2.view = ["n1", "n2", "n3"];
    n2.rumored = [];
    await world.clock.advance(1);
    expect(answered && entryIn(answered)).toMatchObject({ key: unmet, owner: "n3" });
    expect(world.clock.now()).toBe(t0 + 100);
    // A member that shows up in the view (no rumor) while the first pull is on: pulled from too.
    const late = new ReplicaWorld();
    for (const name of ["n1", "n3"]) late.add(name);
    late.see(["n1", "n3"]);
    for (const name of ["n1", "n3"]) late.node(name).replica.activate();
    late.node("n3").replica.store.set(entryOf(unmet, "n3", 1));
    const release = late.hold((r) => r.body.case === "handoffRequest");
    const l2 = late.add("n2", ["n1", "n2"]);
    l2.replica.activate();
    const fromLate = late.settle(l2.replica.serve(requests.lookup(unmet)));
    l2.view = ["n1", "n2", "n3"];
    late.gate = undefined;
    release();
    expect(entryIn(await fromLate)).toMatchObject({ key: unmet, owner: "n3" });
    // A member that stays only rumored: served without its copy after 2 x handoffTimeoutMs.
    const lone = new ReplicaWorld();
    const m1 = lone.add("n1");
    lone.see(["n1"]);
    m1.rumored = ["n3"];
    m1.replica.activate();
    let served: MessageBody | undefined;
    void m1.replica.serve(requests.lookup(keyIn(0))).then((b) => (served = b));
    await lone.clock.advance(1999);
    expect(served).toBeUndefined();
    await lone.clock.advance(1);
    expect(served).toMatchObject({ case: "lookupResult" });
  });
});

describe("registry replica: lost owners and versions", () => {
  it("purges a lost owner's entries into tombstones at the backups, reported once; a throwing listener is logged", async () => {
    const { world, keys } = await threeWithEntries();
    const table = world.table(["n1", "n2", "n3"]);
    const n2 = world.node("n2");
    n2.listenersThrow = true;
    world.gone.add("n1-1");
    n2.replica.viewChanged();
    await world.settle(Promise.resolve());
    const led = keys.filter((_, p) => table.primary(p) === "n2");
    expect(lostKeys(n2)).toEqual([...led].sort());
    expect(n2.errors).toMatchObject([
      { msg: "registry owner-lost listener threw", obj: { err: { message: "owner-lost listener failed" } } },
    ]);
    for (const key of led) {
      const p = keys.indexOf(key);
      for (const holder of table.replicas(p)) expect(world.node(holder).replica.store.get(key)?.removed, holder).toBe(true);
    }
    n2.replica.viewChanged();
    expect(n2.lost).toHaveLength(1);
  });

  it("marks a kept lost owner's entries orphaned at the backups too", async () => {
    const { world, keys } = await threeWithEntries();
    const table = world.table(["n1", "n2", "n3"]);
    const n3 = world.node("n3");
    n3.keepsWhenLost = () => true;
    world.gone.add("n1-1");
    n3.replica.viewChanged();
    await world.settle(Promise.resolve());
    const led = keys.filter((_, p) => table.primary(p) === "n3");
    expect(n3.lost.flat().map((e) => `${e.key} ${e.orphaned}`)).toEqual(led.map((k) => `${k} true`));
    for (const key of led)
      for (const holder of table.replicas(keys.indexOf(key)))
        expect(world.node(holder).replica.store.get(key)?.orphaned, holder).toBe(true);
  });

  it("lets a put take over a gone owner's entry at once, but not while purges are held after a comeback", async () => {
    const { world, keys } = await threeWithEntries();
    const table = world.table(["n1", "n2", "n3"]);
    const key = keys.find((_, p) => table.primary(p) === "n2") as string;
    world.gone.add("n1-1");
    world.node("n2").replica.holdPurges(1000);
    expect(await world.serve("n2", requests.put(key, "n3"))).toMatchObject({ value: { created: false, entry: { owner: "n1" } } });
    await world.clock.advance(1000);
    const other = keys.find((k, p) => k !== key && table.primary(p) === "n2");
    // The hold is over (and purged the entry); a fresh key whose owner is gone is claimed too.
    expect(await world.serve("n2", requests.put(key, "n3"))).toMatchObject({ value: { created: true, entry: { owner: "n3" } } });
    if (other !== undefined) expect(world.node("n2").replica.store.get(other)?.removed).toBe(true);
  });

  it("claims a gone owner's entry from the very end of a hold", async () => {
    const { world, keys } = await threeWithEntries();
    const table = world.table(["n1", "n2", "n3"]);
    const key = keys.find((_, p) => table.primary(p) === "n2") as string;
    world.node("n2").replica.holdPurges(1000);
    await world.clock.advance(1000);
    world.gone.add("n1-1");
    expect(await world.serve("n2", requests.put(key, "n3"))).toMatchObject({ value: { created: true, entry: { owner: "n3" } } });
  });

  it("claims a gone owner's entry that was not purged yet in the same put", async () => {
    const { world, keys } = await threeWithEntries();
    const table = world.table(["n1", "n2", "n3"]);
    const key = keys.find((_, p) => table.primary(p) === "n2") as string;
    world.gone.add("n1-1");
    const answer = await world.serve("n2", requests.put(key, "n3"));
    expect(answer).toMatchObject({ value: { created: true, entry: { owner: "n3" } } });
  });

  it("undoes a write at a backup that it reached only after timing out", async () => {
    const world = new ReplicaWorld();
    const { key, primary, backup } = pair(world);
    const release = world.hold((r) => r.body.case === "replicate" && r.body.value.write);
    expect(await world.serve(primary, requests.put(key, "n1"))).toMatchObject({ case: "writeFailed" });
    release();
    await world.settle(Promise.resolve());
    expect(world.node(backup).replica.store.get(key)?.removed).toBe(true);
  });

  it("gives each write a version above the clock and above every version it has seen; reports a conflict to every listener", async () => {
    const world = new ReplicaWorld();
    const { key, primary, backup } = pair(world);
    const now = world.clock.now();
    const first = entryIn(await world.serve(primary, requests.put(key, "n1")));
    expect(first?.version).toBe(now);
    await world.serve(primary, requests.remove(key));
    const second = entryIn(await world.serve(primary, requests.put(key, "n2")));
    expect(second?.version).toBe(now + 2);
    // A copy from a node whose clock runs ahead: later writes go above it.
    await world.serve(primary, push([entryOf(keyIn(0, 1), "n9", now + 5000)]), backup);
    const third = entryIn(await world.serve(primary, requests.put(keyIn(0, 2), "n1")));
    expect(third?.version).toBe(now + 5001);
    world.node(primary).listenersThrow = true;
    await world.serve(primary, push([entryOf(keyIn(0, 2), "n0", now + 5001)]), backup);
    expect(world.node(primary).conflicts).toEqual(["kept n1, lost n0"]);
    expect(world.node(primary).errors).toMatchObject([
      { msg: "registry conflict listener threw", obj: { err: { message: "conflict listener failed" } } },
    ]);
    // Another key's losing copy is another conflict.
    world.node(primary).listenersThrow = false;
    await world.serve(primary, push([entryOf(keyIn(0, 1), "n0", now + 5000)]), backup);
    expect(world.node(primary).conflicts).toEqual(["kept n1, lost n0", "kept n9, lost n0"]);
    // An older copy does not pull the versions back down.
    await world.serve(primary, push([entryOf(keyIn(0, 3), "n9", 1)]), backup);
    expect(entryIn(await world.serve(primary, requests.put(keyIn(0, 4), "n1")))?.version).toBe(now + 5002);
  });
});
