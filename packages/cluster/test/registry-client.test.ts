// The registry client (Registry: putIfAbsent, get, remove) over in-process replicas (replica-world.ts): key and owner
// checks, redirects, waits between tries, fallback to backups, a put that landed although its answer was lost, and
// writes the primary rolled back for want of quorum. Time moves only with the world's TestClock.
import { InvalidOptionError } from "@tsakt/actor";
import { describe, expect, it } from "vitest";
import { ClusterNotRunningError, RegistryUnavailableError, RegistryWriteQuorumError } from "../src/errors.js";
import { entryOf, keyIn, partitions, ReplicaWorld, type SentRequest, threeWithEntries } from "./replica-world.js";

/** A partition whose primary is `primary` among `members`, and not `not` (when given). */
function partitionLedBy(world: ReplicaWorld, members: string[], primary: string, not?: { members: string[]; primary: string }): number {
  const table = world.table(members);
  const other = not === undefined ? undefined : world.table(not.members);
  const p = Array.from({ length: partitions }, (_, i) => i).find(
    (i) => table.primary(i) === primary && (other === undefined || other.primary(i) === not?.primary),
  );
  if (p === undefined) throw new Error(`no partition led by ${primary}`);
  return p;
}

/** Records when (clock time) each request that `match` takes is sent. */
function timesOf(world: ReplicaWorld, match: (r: SentRequest) => boolean): number[] {
  const times: number[] = [];
  world.gate = (r) => {
    if (match(r)) times.push(world.clock.now());
    return undefined;
  };
  return times;
}

describe("registry client: putIfAbsent, get, remove", () => {
  it("creates a key once: a second put, from any node and also from its own owner, gets the first entry back", async () => {
    const { world } = await threeWithEntries();
    const key = keyIn(3, 1);
    const n2 = world.node("n2").registry;
    const first = await world.settle(n2.putIfAbsent(key, { kind: "Worker", data: new Uint8Array([1, 2]) }));
    expect(first.created).toBe(true);
    expect(first.entry).toMatchObject({ key, owner: "n2", ownerUid: "n2-1", kind: "Worker", data: new Uint8Array([1, 2]) });
    expect(first.entry.ownerStartedAtMs).toEqual(world.member("n2").startedAtMs);
    expect(await world.settle(world.node("n3").registry.putIfAbsent(key, { owner: "n3" }))).toMatchObject({
      created: false,
      entry: { owner: "n2" },
    });
    // The owner's own second put found its entry, but it did not create it this time.
    expect(await world.settle(n2.putIfAbsent(key))).toMatchObject({ created: false, entry: { owner: "n2" } });
    expect(await world.settle(world.node("n1").registry.get(key))).toMatchObject({ owner: "n2", kind: "Worker" });
    expect(n2.operations.ok.get("put")).toBe(2);
  });

  it("puts for another live member as owner, and removes only what the named owner holds", async () => {
    const { world } = await threeWithEntries();
    const key = keyIn(5, 1);
    const n1 = world.node("n1").registry;
    expect(await world.settle(n1.putIfAbsent(key, { owner: "n3" }))).toMatchObject({
      created: true,
      entry: { owner: "n3", ownerUid: "n3-1" },
    });
    expect(await world.settle(n1.remove(key, { owner: "n2" }))).toBe(false);
    expect(await world.settle(n1.get(key))).toMatchObject({ owner: "n3" });
    expect(await world.settle(n1.remove(key, { owner: "n3" }))).toBe(true);
    expect(await world.settle(n1.get(key))).toBeUndefined();
    expect(await world.settle(n1.remove(key))).toBe(false);
    expect(n1.operations.ok.get("remove")).toBe(3);
    // Without a kind the entry's kind is empty, and a remove without an owner removes whoever owns it.
    expect(await world.settle(n1.putIfAbsent(key, { owner: "n2" }))).toMatchObject({ created: true, entry: { kind: "" } });
    expect(await world.settle(n1.remove(key))).toBe(true);
  });

  it("refuses a bad key, an owner that is not a live member, and every call while not running, sending nothing", async () => {
    const { world } = await threeWithEntries();
    const n1 = world.node("n1");
    const sent = world.sent.length;
    await expect(n1.registry.putIfAbsent("")).rejects.toThrow(InvalidOptionError);
    await expect(n1.registry.putIfAbsent("")).rejects.toMatchObject({ field: "key" });
    await expect(n1.registry.get("x".repeat(4097))).rejects.toThrow(/1 to 4096 characters, got 4097 characters/);
    await expect(n1.registry.remove(7 as never)).rejects.toThrow(/got number/);
    await expect(n1.registry.putIfAbsent("k", { owner: "n9" })).rejects.toThrow(/"n9" is not a live member/);
    world.downed.add("n3");
    await expect(n1.registry.putIfAbsent("k", { owner: "n3" })).rejects.toMatchObject({ code: "InvalidOption", field: "owner" });
    world.downed.clear();
    n1.running = false;
    await expect(n1.registry.putIfAbsent("k")).rejects.toThrow(/cannot put a registry key: the cluster is not running/);
    await expect(n1.registry.get("k")).rejects.toThrow(/cannot get a registry key/);
    await expect(n1.registry.remove("k")).rejects.toThrow(ClusterNotRunningError);
    await expect(n1.registry.remove("k")).rejects.toThrow(/cannot remove a registry key/);
    // Not running is said first, whatever else is wrong.
    await expect(n1.registry.putIfAbsent("k", { owner: "n9" })).rejects.toThrow(ClusterNotRunningError);
    expect(world.sent.length).toBe(sent);
    // The longest key allowed is taken.
    n1.running = true;
    expect(await world.settle(n1.registry.putIfAbsent("y".repeat(4096)))).toMatchObject({ created: true });
  });

  it("follows a redirect to the primary it names at once, without waiting", async () => {
    const world = new ReplicaWorld();
    for (const name of ["n1", "n2", "n3"]) world.add(name);
    world.see(["n1", "n2", "n3"]);
    for (const node of world.nodes.values()) node.replica.activate();
    // n1's table still has two members (it met n3 but has not recomputed): it takes n2 for the key's primary.
    const p = partitionLedBy(world, ["n1", "n2"], "n2", { members: ["n1", "n2", "n3"], primary: "n3" });
    const n1 = world.node("n1");
    n1.view = ["n1", "n2"];
    n1.replica.viewChanged();
    n1.view = ["n1", "n2", "n3"];
    const since = world.sent.length;
    const puts = timesOf(world, (r) => r.body.case === "put");
    const started = world.clock.now();
    expect(await world.settle(n1.registry.putIfAbsent(keyIn(p, 1)))).toMatchObject({ created: true, entry: { owner: "n1" } });
    expect(world.describe(since).filter((r) => r.includes(" put "))).toEqual(["n1>n2 put []", "n1>n3 put []"]);
    expect(puts).toEqual([started, started]);
  });

  it("asks again after waiting probeIntervalMs × tries / 2 while no primary answers, and gives up after 5 tries", async () => {
    const world = new ReplicaWorld();
    const n1 = world.add("n1");
    world.add("n2");
    world.see(["n1", "n2"]);
    n1.replica.activate();
    // n2 is not active yet: it answers every request with a redirect that names nobody.
    const p = partitionLedBy(world, ["n1", "n2"], "n2");
    const puts = timesOf(world, (r) => r.body.case === "put");
    const error = await world.settle(n1.registry.putIfAbsent(keyIn(p, 1))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryUnavailableError);
    expect(error).toMatchObject({ code: "RegistryUnavailable", key: keyIn(p, 1), operation: "put", mayHaveApplied: false });
    expect((error as Error).cause).toBeUndefined();
    const waits = puts.slice(1).map((t, i) => t - (puts[i] as number));
    expect(waits).toEqual([250, 500, 750, 1000]);
    expect(n1.registry.operations.failed.get("put")).toBe(1);
    expect(n1.registry.operations.ok.get("put")).toBeUndefined();
    // A cluster stopped between two tries ends the retries at once.
    const stopped = world.settle(n1.registry.putIfAbsent(keyIn(p, 2)).catch((e: unknown) => e));
    world.clock.setTimeout(() => {
      n1.running = false;
    }, 100);
    expect(await stopped).toBeInstanceOf(ClusterNotRunningError);
    expect(world.clock.now() - (puts.at(-1) as number)).toBeLessThan(1000);
  });

  it("reads from a backup when the primary does not answer; a remove does not, and fails with the primary's error", async () => {
    const { world, keys } = await threeWithEntries();
    const p = partitionLedBy(world, ["n1", "n2", "n3"], "n2");
    const table = world.table(["n1", "n2", "n3"]);
    const asker = table.holds(p, "n1") ? "n3" : "n1";
    world.unreachable.add("n2");
    const since = world.sent.length;
    expect(await world.settle(world.node(asker).registry.get(keys[p] as string))).toMatchObject({ owner: "n1" });
    const lookups = world.describe(since).filter((r) => r.includes(" lookup "));
    expect(lookups[0]).toBe(`${asker}>n2 lookup []`);
    expect(lookups.slice(1).every((r) => !r.includes(">n2 "))).toBe(true);
    const error = await world.settle(world.node(asker).registry.remove(keys[p] as string)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryUnavailableError);
    expect(error).toMatchObject({ operation: "remove", mayHaveApplied: true, message: expect.stringMatching(/may have been applied/) });
    expect((error as Error).cause).toMatchObject({ message: "request to n2 timed out" });
    // A read that no holder answered changed nothing.
    for (const holder of table.replicas(p)) world.unreachable.add(holder);
    const unread = await world.settle(world.node(asker).registry.get(keys[p] as string)).catch((e: unknown) => e);
    expect(unread).toMatchObject({ code: "RegistryUnavailable", operation: "get", mayHaveApplied: false });
    world.unreachable.clear();
    expect(await world.settle(world.node(asker).registry.get(keys[p] as string))).toMatchObject({ owner: "n1" });
  });

  it("reports a put as created when its first answer was lost but the entry it then finds is its own", async () => {
    const { world } = await threeWithEntries();
    const p = partitionLedBy(world, ["n1", "n2", "n3"], "n2");
    const key = keyIn(p, 1);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let puts = 0;
    world.gate = (r) => (r.body.case === "put" && puts++ === 0 ? held : undefined);
    // The first put arrives just after its request timed out; the next try finds the entry it wrote.
    world.clock.setTimeout(release, world.settings.requestTimeoutMs + 10);
    expect(await world.settle(world.node("n1").registry.putIfAbsent(key))).toMatchObject({ created: true, entry: { owner: "n1" } });
    expect(puts).toBe(2);
    // Not when the entry found is another node's.
    const other = keyIn(p, 2);
    world.node("n2").replica.store.set(entryOf(other, "n3", 1));
    puts = 0;
    const heldAgain = new Promise<void>((r) => (release = r));
    world.gate = (r) => (r.body.case === "put" && puts++ === 0 ? heldAgain : undefined);
    world.clock.setTimeout(release, world.settings.requestTimeoutMs + 10);
    expect(await world.settle(world.node("n1").registry.putIfAbsent(other))).toMatchObject({ created: false, entry: { owner: "n3" } });
  });

  it("retries a write the primary rolled back for want of quorum, then fails with RegistryWriteQuorumError and leaves nothing", async () => {
    const { world } = await threeWithEntries();
    const p = partitionLedBy(world, ["n1", "n2", "n3"], "n2");
    const backup = world.table(["n1", "n2", "n3"]).backups(p)[0] as string;
    const key = keyIn(p, 1);
    // Every member already reports the backup down; the tables still hold it until the view follows.
    world.downed.add(backup);
    const puts = timesOf(world, (r) => r.body.case === "put");
    const error = await world.settle(world.node("n1").registry.putIfAbsent(key)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryWriteQuorumError);
    expect(error).toMatchObject({ code: "RegistryWriteQuorum", key, operation: "put", acks: 1, needed: 2 });
    expect(puts.slice(1).map((t, i) => t - (puts[i] as number))).toEqual([250, 500, 750, 1000]);
    world.downed.clear();
    expect(await world.settle(world.node("n2").registry.get(key))).toBeUndefined();
    expect(world.node("n1").registry.operations.failed.get("put")).toBe(1);
  });

  it("fails with RegistryUnavailableError (may have applied) when a silent backup makes the primary outlast requestTimeoutMs; nothing stays", async () => {
    // The primary waits handoffTimeoutMs for the backup, then as long again for the undo: with the defaults (2 s each,
    // requestTimeoutMs 2 s) the caller's request times out first.
    const { world } = await threeWithEntries(new ReplicaWorld({ handoffTimeoutMs: 2000, requestTimeoutMs: 2000 }));
    const p = partitionLedBy(world, ["n1", "n2", "n3"], "n2");
    const backup = world.table(["n1", "n2", "n3"]).backups(p)[0] as string;
    const key = keyIn(p, 1);
    world.unreachable.add(backup);
    const error = await world.settle(world.node("n1").registry.putIfAbsent(key)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryUnavailableError);
    expect(error).toMatchObject({ mayHaveApplied: true });
    expect((error as Error).cause).toMatchObject({ message: "request to n2 timed out" });
    // The writes still queued at the primary when the caller gave up are dropped there, not applied later.
    world.unreachable.clear();
    await world.settle(new Promise<void>((r) => world.clock.setTimeout(() => r(), 5000)));
    expect(await world.settle(world.node("n2").registry.get(key))).toBeUndefined();
  });

  it("answers layout questions from this node's table: partition, primary, stats, and whether an owner is gone", async () => {
    const { world } = await threeWithEntries();
    const n1 = world.node("n1");
    const table = world.table(["n1", "n2", "n3"]);
    const key = keyIn(6, 3);
    expect(n1.registry.partitionOf(key)).toBe(6);
    expect(n1.registry.primaryOf(key)).toBe(table.primary(6));
    const stats = n1.registry.stats();
    const held = Array.from({ length: partitions }, (_, q) => q).filter((q) => table.holds(q, "n1")).length;
    expect(stats).toEqual({
      partitions,
      replicaCount: 2,
      primaryPartitions: Object.fromEntries(table.primaryCounts()).n1 ?? 0,
      heldPartitions: held,
      localEntries: held,
      primaryCounts: Object.fromEntries(table.primaryCounts()),
    });
    expect(n1.registry.localEntryCount()).toBe(held);
    world.gone.add("n3-1");
    expect(n1.registry.ownerGone({ owner: "n3", ownerUid: "n3-1", ownerStartedAtMs: 1 } as never)).toBe(true);
    expect(n1.registry.ownerGone({ owner: "n2", ownerUid: "n2-1", ownerStartedAtMs: 1 } as never)).toBe(false);
  });
});
