// RegistryReplica driven directly (replica-world.ts): hand-off on a view change, the waits that order writes behind a
// hand-off or a write in flight, redirects, held purges and the sweep. The registry tests reach these only through
// whole nodes, where the timing that shows them is not in the test's hands.
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  ClusterMessageSchema,
  HandoffRequestSchema,
  PingSchema,
  type RegistryEntry,
  RegistryEntrySchema,
  ReplicateSchema,
} from "../src/gen/tsakt/cluster/v1/cluster_pb.js";
import { entryIn, entryOf, keyIn, lostKeys, partitions, pushesFrom, ReplicaWorld, requests, threeWithEntries } from "./replica-world.js";

describe("registry replica: view changes", () => {
  it("on a join, a new primary pulls exactly the partitions it gained; the others push what moved and pull nothing", async () => {
    const { world } = await threeWithEntries();
    const before = world.table(["n1", "n2", "n3"]);
    const after = world.table(["n1", "n2", "n3", "n4"]);
    world.add("n4");
    const since = world.sent.length;
    world.see(["n1", "n2", "n3", "n4"]);
    world.node("n4").replica.activate();
    const gained = Array.from({ length: partitions }, (_, p) => p).filter((p) => after.primary(p) === "n4");
    expect(gained.length).toBeGreaterThan(0);
    const pulls = world.describe(since).filter((r) => r.includes("handoffRequest"));
    expect(pulls.sort()).toEqual(["n1", "n2", "n3"].map((n) => `n4>${n} handoffRequest [${gained.join(",")}]`));
    // Each old member sends its copy to the new primary of what it led, and to each new backup of what it leads.
    for (const me of ["n1", "n2", "n3"]) {
      const expected = new Map<string, number[]>();
      for (let p = 0; p < partitions; p++) {
        const targets =
          after.primary(p) === me
            ? after.backups(p).filter((b) => !before.holds(p, b))
            : before.primary(p) === me
              ? [after.primary(p) as string]
              : [];
        for (const t of targets) expected.set(t, [...(expected.get(t) ?? []), p]);
      }
      const want = [...expected].map(([t, ps]) => `${t}:[${ps.join(",")}]`).sort();
      expect(pushesFrom(world, me, since), me).toEqual(want);
    }
    await world.settle(Promise.resolve());
    // Every holder in the new table holds its partitions' entries.
    for (let p = 0; p < partitions; p++)
      for (const holder of after.replicas(p)) expect(world.node(holder).replica.store.entries(p), `${holder} p${p}`).toHaveLength(1);
  });

  it("recomputes nothing and sends nothing when the view did not change", async () => {
    const { world } = await threeWithEntries();
    const since = world.sent.length;
    const table = world.node("n1").replica.table;
    world.see(["n1", "n2", "n3"]);
    expect(world.describe(since)).toEqual([]);
    expect(world.node("n1").replica.table).toBe(table);
  });

  it("serves nothing and follows no view before it is activated", async () => {
    const world = new ReplicaWorld();
    const n1 = world.add("n1");
    world.add("n2");
    world.see(["n1", "n2"]);
    expect(n1.replica.primaryName(0)).toBeUndefined();
    expect(world.sent).toEqual([]);
    // A redirect that names nobody: the client waits and tries again.
    expect(await world.serve("n1", requests.put(keyIn(0), "n1"))).toMatchObject({ case: "notPrimary", value: { primary: "" } });
  });

  it("recomputes its table when a member is replaced by another and the count stays the same", async () => {
    const { world } = await threeWithEntries();
    world.add("n4");
    world.see(["n1", "n2", "n4"]);
    expect([...world.node("n1").replica.table.members].sort()).toEqual(["n1", "n2", "n4"]);
  });

  it("gives a member restarted under its name every copy it holds, from each partition's primary", async () => {
    const { world } = await threeWithEntries();
    const table = world.table(["n1", "n2", "n3"]);
    world.node("n3").uid = "n3-2";
    world.gone.add("n3-1");
    world.node("n3").replica.store.drop(0);
    const since = world.sent.length;
    for (const name of ["n1", "n2"]) world.node(name).replica.viewChanged();
    for (const me of ["n1", "n2"]) {
      // Where `me` leads and n3 backs up, and where n3 leads and `me` backs up: the copy goes to n3.
      const want = Array.from({ length: partitions }, (_, p) => p).filter(
        (p) => table.holds(p, "n3") && table.holds(p, me) && (table.primary(p) === me || table.primary(p) === "n3"),
      );
      expect(pushesFrom(world, me, since), me).toEqual(want.length > 0 ? [`n3:[${want.join(",")}]`] : []);
    }
  });
});

describe("registry replica: waits and redirects", () => {
  it("answers a request about a partition it does not lead with a redirect to its primary", async () => {
    const { world, keys } = await threeWithEntries();
    const table = world.table(["n1", "n2", "n3"]);
    const key = keys[0] as string;
    const other = ["n1", "n2", "n3"].find((n) => n !== table.primary(0)) as string;
    for (const body of [requests.put(key, "n2"), requests.lookup(key), requests.remove(key)])
      expect(await world.serve(other, body)).toMatchObject({ case: "notPrimary", value: { primary: table.primary(0) } });
    // A lookup for any holder is answered by a backup from its copy.
    const backup = table.backups(0)[0] as string;
    expect(await world.serve(backup, requests.lookup(key, true))).toMatchObject({
      case: "lookupResult",
      value: { entry: { key, owner: "n1" } },
    });
  });

  it("holds requests for a partition it takes over until every copy is pulled", async () => {
    const world = new ReplicaWorld();
    const n1 = world.add("n1");
    world.see(["n1"]);
    n1.replica.activate();
    const after = world.table(["n1", "n2"]);
    const p = Array.from({ length: partitions }, (_, i) => i).find((i) => after.primary(i) === "n2") as number;
    const [a, b, c] = [keyIn(p), keyIn(p, 1), keyIn(p, 2)];
    for (const key of [a, b, c]) await world.serve("n1", requests.put(key, "n1"));
    const release = world.hold((r) => r.body.case === "handoffRequest");
    world.add("n2");
    world.see(["n1", "n2"]);
    world.node("n2").replica.activate();
    const answers = [
      world.node("n2").replica.serve(requests.lookup(a)),
      world.node("n2").replica.serve(requests.put(b, "n2")),
      world.node("n2").replica.serve(requests.remove(c)),
    ];
    await world.clock.advance(0);
    release();
    const [lookup, put, remove] = await world.settle(Promise.all(answers));
    expect(lookup).toMatchObject({ case: "lookupResult", value: { entry: { key: a, owner: "n1" } } });
    expect(put).toMatchObject({ case: "putResult", value: { created: false, entry: { owner: "n1" } } });
    expect(remove).toMatchObject({ case: "removeResult", value: { removed: true } });
  });

  it("answers a request held by a hand-off when the partition was lost and gained again during the pull", async () => {
    const world = new ReplicaWorld();
    const n1 = world.add("n1");
    world.add("n3");
    world.see(["n1"]);
    n1.replica.activate();
    const two = world.table(["n1", "n2"]);
    const three = world.table(["n1", "n2", "n3"]);
    const p = Array.from({ length: partitions }, (_, i) => i).find((i) => two.primary(i) === "n2" && three.primary(i) === "n3");
    expect(p).toBeDefined();
    const key = keyIn(p as number);
    await world.serve("n1", requests.put(key, "n1"));
    const release = world.hold((r) => r.body.case === "handoffRequest");
    const n2 = world.add("n2", ["n1", "n2"]);
    n2.replica.activate();
    const answer = world.settle(n2.replica.serve(requests.lookup(key)));
    // Lost to n3, then gained again, while the first pull still waits.
    n2.view = ["n1", "n2", "n3"];
    n2.replica.viewChanged();
    n2.view = ["n1", "n2"];
    n2.replica.viewChanged();
    release();
    expect(entryIn(await answer)).toMatchObject({ key, owner: "n1" });
  });

  it("orders a second write of a key behind the first one's replication: a failed first write leaves the key free", async () => {
    const world = new ReplicaWorld();
    for (const name of ["n1", "n2"]) world.add(name);
    world.see(["n1", "n2"]);
    for (const node of world.nodes.values()) node.replica.activate();
    const table = world.table(["n1", "n2"]);
    const key = keyIn(0);
    const primary = table.primary(0) as string;
    const backup = table.backups(0)[0] as string;
    world.unreachable.add(backup);
    const first = world.node(primary).replica.serve(requests.put(key, "n1"));
    await world.clock.advance(0);
    const read = world.node(primary).replica.serve(requests.lookup(key));
    const second = world.node(primary).replica.serve(requests.put(key, "n2"));
    await world.clock.advance(0);
    world.unreachable.delete(backup);
    expect(await world.settle(first)).toMatchObject({ case: "writeFailed" });
    const found = await world.settle(read);
    expect(found.case).toBe("lookupResult");
    expect(found.case === "lookupResult" ? found.value.entry : "none").toBeUndefined();
    expect(await world.settle(second)).toMatchObject({ case: "putResult", value: { created: true, entry: { owner: "n2" } } });
  });

  it("after leave() redirects to the next primaries and pushes what it led to them", async () => {
    const { world, keys } = await threeWithEntries();
    const next = world.table(["n2", "n3"]);
    const since = world.sent.length;
    await world.settle(world.node("n1").replica.leave());
    const led = Array.from({ length: partitions }, (_, p) => p).filter((p) => world.table(["n1", "n2", "n3"]).primary(p) === "n1");
    expect(led.length).toBeGreaterThan(0);
    for (const p of led) {
      expect(await world.serve("n1", requests.lookup(keys[p] as string))).toMatchObject({
        case: "notPrimary",
        value: { primary: next.primary(p) },
      });
      expect(world.node(next.primary(p) as string).replica.store.get(keys[p] as string)).toBeDefined();
    }
    const want = new Map<string, number[]>();
    for (const p of led) want.set(next.primary(p) as string, [...(want.get(next.primary(p) as string) ?? []), p]);
    expect(pushesFrom(world, "n1", since)).toEqual([...want].map(([t, ps]) => `${t}:[${ps.join(",")}]`).sort());
  });
});

describe("registry replica: messages", () => {
  it("handles only registry messages, answers through the reply, and logs a request that failed", async () => {
    const { world, keys } = await threeWithEntries();
    const n1 = world.node("n1");
    const ping = create(ClusterMessageSchema, { from: world.member("n2"), body: { case: "ping", value: create(PingSchema) } });
    expect(n1.replica.handle(ping, () => expect.fail("no reply to a ping"))).toBe(false);
    const replies: unknown[] = [];
    const lookup = create(ClusterMessageSchema, { from: world.member("n2"), body: requests.lookup(keys[0] as string, true) });
    expect(n1.replica.handle(lookup, (m) => replies.push(m.body))).toBe(true);
    // Without a reply function the answer is dropped quietly.
    expect(n1.replica.handle(lookup, undefined)).toBe(true);
    await world.settle(Promise.resolve());
    expect(replies).toHaveLength(1);
    n1.onRefresh = () => {
      throw new Error("view broken");
    };
    const handoff = create(ClusterMessageSchema, {
      from: world.member("n2"),
      body: { case: "handoffRequest", value: create(HandoffRequestSchema, { partitions: [0], requester: world.state("n2") }) },
    });
    expect(n1.replica.handle(handoff, () => expect.fail("no reply after a failure"))).toBe(true);
    await world.settle(Promise.resolve());
    expect(n1.errors).toMatchObject([{ msg: "registry request failed", obj: { op: "handoffRequest" } }]);
  });

  it("answers a hand-off request with its copies of the asked partitions, after bringing its view up to date", async () => {
    const { world, keys } = await threeWithEntries();
    const n1 = world.node("n1");
    let refreshed = 0;
    n1.onRefresh = () => refreshed++;
    const held = n1.replica.store.partitionsHeld();
    const asked = held.slice(0, 2);
    const answer = await world.serve(
      "n1",
      { case: "handoffRequest", value: create(HandoffRequestSchema, { partitions: asked, requester: world.state("n2") }) },
      "n2",
    );
    expect(refreshed).toBe(1);
    expect(answer.case).toBe("handoffReply");
    const got = answer.case === "handoffReply" ? answer.value.entries.map((e) => e.key).sort() : [];
    expect(got).toEqual(asked.map((p) => keys[p]).sort());
  });

  it("refuses a write from nobody, and any write before it is active; stores a push", async () => {
    const world = new ReplicaWorld();
    const n1 = world.add("n1");
    world.add("n2");
    world.see(["n1", "n2"]);
    const write = (entries = [entryOf(keyIn(0), "n2", 5)]) => ({
      case: "replicate" as const,
      value: create(ReplicateSchema, { entries, write: true }),
    });
    const table = world.table(["n1", "n2"]);
    // Not active yet: even the primary's write is refused.
    expect(await world.serve("n1", write(), table.primary(0))).toMatchObject({ value: { refused: true } });
    expect(await world.serve("n1", write([]), "n2")).toMatchObject({ value: { refused: true } });
    n1.replica.activate();
    expect(await world.serve("n1", write(), table.primary(0))).toMatchObject({ value: { refused: false } });
    // No sender: refused, even with nothing in it (through handle, a message without `from`).
    expect(await world.serve("n1", write([]))).toMatchObject({ value: { refused: true } });
    const replies: unknown[] = [];
    n1.replica.handle(create(ClusterMessageSchema, { body: write([]) }), (m) => replies.push(m.body));
    await world.settle(Promise.resolve());
    expect(replies).toMatchObject([{ case: "replicated", value: { refused: true } }]);
  });
});

describe("registry replica: purges and sweeps", () => {
  it("holds purges after a comeback until the longest hold ends, with one timer, cancelled by stop()", async () => {
    const { world, keys } = await threeWithEntries();
    const table = world.table(["n1", "n2", "n3"]);
    const n1 = world.node("n1");
    const led = keys.filter((_, p) => table.primary(p) === "n1");
    const timers = world.clock.pending;
    n1.replica.holdPurges(5000);
    // A shorter hold does not shorten the running one.
    n1.replica.holdPurges(1000);
    expect(world.clock.pending).toBe(timers + 1);
    world.gone.add("n1-1");
    n1.replica.viewChanged();
    await world.clock.advance(4999);
    expect(n1.lost).toEqual([]);
    await world.clock.advance(1);
    expect(lostKeys(n1)).toEqual([...led].sort());
    n1.replica.holdPurges(6000);
    n1.replica.holdPurges(7000);
    expect(world.clock.pending).toBe(timers + 1);
    n1.replica.stop();
    expect(world.clock.pending).toBe(timers);
  });

  it("forgets tombstones after tombstoneTtlMs, and partitions it no longer holds only 2 x handoffTimeoutMs after the table changed", async () => {
    const { world, keys } = await threeWithEntries();
    const n1 = world.node("n1");
    const before = world.table(["n1", "n2", "n3"]);
    const key = keys.find((_, p) => before.primary(p) === "n1") as string;
    expect(await world.serve("n1", requests.remove(key))).toMatchObject({ value: { removed: true } });
    const version = n1.replica.store.get(key)?.version ?? 0;
    n1.replica.sweep(version + 10_000);
    expect(n1.replica.store.get(key)?.removed).toBe(true);
    n1.replica.sweep(version + 10_001);
    expect(n1.replica.store.get(key)).toBeUndefined();
    // Two more members: n1 stops holding some partitions.
    world.add("n4");
    world.add("n5");
    world.see(["n1", "n2", "n3", "n4", "n5"]);
    const changedAt = world.clock.now();
    const after = world.table(["n1", "n2", "n3", "n4", "n5"]);
    const dropped = n1.replica.store.partitionsHeld().filter((p) => !after.holds(p, "n1"));
    expect(dropped.length).toBeGreaterThan(0);
    const held = n1.replica.store.partitionsHeld();
    n1.replica.sweep(changedAt + 2000);
    expect(n1.replica.store.partitionsHeld()).toEqual(held);
    // A view change that changes nothing does not restart the wait.
    await world.clock.advance(1500);
    n1.replica.viewChanged();
    n1.replica.sweep(changedAt + 2001);
    expect(n1.replica.store.partitionsHeld()).toEqual(held.filter((p) => !dropped.includes(p)));
  });

  it("reports an entry that arrived already orphaned, once", async () => {
    const { world, keys } = await threeWithEntries();
    const table = world.table(["n1", "n2", "n3"]);
    const n2 = world.node("n2");
    const key = keys.find((_, p) => table.primary(p) === "n2") as string;
    const stored = n2.replica.store.get(key) as RegistryEntry;
    n2.replica.store.set(create(RegistryEntrySchema, { ...stored, orphaned: true, version: stored.version + 1 }));
    n2.replica.viewChanged();
    n2.replica.viewChanged();
    expect(n2.lost.map((l) => l.map((e) => e.key))).toEqual([[key]]);
  });

  it("reports a kept lost owner's entry once, also after a sweep, and a conflict again only after a sweep", async () => {
    const { world, keys } = await threeWithEntries();
    const table = world.table(["n1", "n2", "n3"]);
    const n2 = world.node("n2");
    n2.keepsWhenLost = () => true;
    world.gone.add("n1-1");
    n2.replica.viewChanged();
    const led = keys.filter((_, p) => table.primary(p) === "n2");
    expect(lostKeys(n2)).toEqual([...led].sort());
    n2.replica.sweep(world.clock.now());
    n2.replica.viewChanged();
    expect(n2.lost).toHaveLength(1);
    // A copy naming another owner at the same version conflicts with the stored one; reported once until a sweep.
    const stored = n2.replica.store.get(led[0] as string);
    const rival = entryOf(led[0] as string, "n0", stored?.version ?? 0);
    const push = { case: "replicate" as const, value: create(ReplicateSchema, { entries: [rival] }) };
    await world.serve("n2", push, "n3");
    await world.serve("n2", push, "n3");
    expect(n2.conflicts).toHaveLength(1);
    n2.replica.sweep(world.clock.now());
    await world.serve("n2", push, "n3");
    expect(n2.conflicts).toHaveLength(2);
  });
});
