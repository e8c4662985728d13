import { isMessage } from "@bufbuild/protobuf";
import { ORSet, PNCounter } from "@tsakt/crdt";
import { ChangedSchema, changedValue, type Replicator } from "@tsakt/crdt/cluster";
import { eventually, probe } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { type ReplicaNode, seeded, startNode, startNodes } from "./cluster-helpers.js";

async function localValues<T extends PNCounter | ORSet>(nodes: ReplicaNode[], key: string): Promise<Array<T | undefined>> {
  return Promise.all(nodes.map((n) => n.replicator.get<T>(key)));
}

describe("replicator across nodes", () => {
  it("converges concurrent updates made on every node in random order to one value everywhere", async () => {
    const { nodes } = await startNodes(["a", "b", "c"]);
    const random = seeded(17);
    let total = 0n;
    const added = new Set<string>();
    const removed = new Set<string>();
    const pick = (): Replicator => (nodes[Math.floor(random() * nodes.length)] as ReplicaNode).replicator;
    for (let round = 0; round < 30; round++) {
      const calls: Array<Promise<unknown>> = [];
      for (let i = 0; i < 10; i++) {
        const r = pick();
        const amount = 1 + Math.floor(random() * 5);
        const element = `e${Math.floor(random() * 12)}`;
        const op = random();
        if (op < 0.35) {
          total += BigInt(amount);
          calls.push(r.update("hits", PNCounter.empty(), (c, node) => c.increment(node, amount)));
        } else if (op < 0.5) {
          total -= BigInt(amount);
          calls.push(r.update("hits", PNCounter.empty(), (c, node) => c.decrement(node, amount)));
        } else if (op < 0.85) {
          added.add(element);
          calls.push(r.update("tags", ORSet.empty(), (s, node) => s.add(node, element)));
        } else {
          removed.add(element);
          calls.push(r.update("tags", ORSet.empty(), (s) => s.remove(element)));
        }
      }
      await Promise.all(calls);
    }
    await eventually(
      "every node holds the same counter and set",
      async () => {
        const counters = await localValues<PNCounter>(nodes, "hits");
        expect(counters.map((c) => c?.value)).toEqual([total, total, total]);
        const sets = await localValues<ORSet>(nodes, "tags");
        const first = sets[0] as ORSet;
        for (const s of sets) expect(s?.equals(first)).toBe(true);
      },
      { timeoutMs: 10_000 },
    );
    const set = (await nodes[0]?.replicator.get<ORSet>("tags")) as ORSet;
    for (const e of added) if (!removed.has(e)) expect(set.has(e)).toBe(true);
    for (const e of removed) if (!added.has(e)) expect(set.has(e)).toBe(false);
  });

  it("a majority read on one node sees every write acknowledged at majority on the others", async () => {
    const { nodes } = await startNodes(["a", "b", "c"], { gossipIntervalMs: 60_000, antiEntropyIntervalMs: 60_000, timeoutMs: 2000 });
    const random = seeded(5);
    const acknowledged: string[] = [];
    for (let i = 0; i < 60; i++) {
      const writer = Math.floor(random() * 3);
      const reader = (writer + 1 + Math.floor(random() * 2)) % 3;
      const element = `w${i}`;
      await nodes[writer]?.replicator.update("history", ORSet.empty(), (s, node) => s.add(node, element), { writeConsistency: "majority" });
      acknowledged.push(element);
      const seen = await nodes[reader]?.replicator.get<ORSet>("history", { readConsistency: "majority" });
      expect(acknowledged.filter((e) => !seen?.has(e))).toEqual([]);
    }
    // Gossip and anti-entropy were off (60 s intervals): only writes and reads carried the values.
    expect(nodes.map((n) => n.replicator.stats().deltaGossipsSent)).toEqual([0, 0, 0]);
  });

  it("an 'all' write is held by every node when it resolves", async () => {
    const { nodes } = await startNodes(["a", "b", "c"], { gossipIntervalMs: 60_000, antiEntropyIntervalMs: 60_000 });
    await nodes[0]?.replicator.update("flagged", PNCounter.empty(), (c, node) => c.increment(node, 7), { writeConsistency: "all" });
    const values = await localValues<PNCounter>(nodes, "flagged");
    expect(values.map((v) => v?.value)).toEqual([7n, 7n, 7n]);
  });

  it("gives a node that joins later every key, by anti-entropy", async () => {
    const { nodes, discovery } = await startNodes(["a", "b"]);
    for (let i = 0; i < 40; i++) await nodes[i % 2]?.replicator.update(`k${i}`, PNCounter.empty(), (c, node) => c.increment(node, i + 1));
    await nodes[0]?.replicator.delete("k3");
    const late = await startNode("c", discovery);
    await eventually(
      "the late node holds every key",
      async () => {
        expect(late.replicator.keys().length).toBe(40);
        expect((await late.replicator.get<PNCounter>("k39"))?.value).toBe(40n);
      },
      { timeoutMs: 10_000 },
    );
    await expect(late.replicator.get("k3")).rejects.toMatchObject({ code: "KeyDeleted" });
  });

  it("repairs by anti-entropy alone what delta gossip never carried", async () => {
    const { nodes } = await startNodes(["a", "b", "c"], { gossipIntervalMs: 60_000, antiEntropyIntervalMs: 100 });
    for (const [i, n] of nodes.entries()) {
      await n.replicator.update("set", ORSet.empty(), (s, node) => s.add(node, `from-${n.name}`));
      await n.replicator.update(`only-${i}`, PNCounter.empty(), (c, node) => c.increment(node, i + 1));
    }
    await eventually(
      "every node holds every key and every element",
      async () => {
        for (const n of nodes) {
          expect([...((await n.replicator.get<ORSet>("set"))?.value ?? [])].sort()).toEqual(["from-a", "from-b", "from-c"]);
          expect(n.replicator.keys().sort()).toEqual(["only-0", "only-1", "only-2", "set"]);
        }
      },
      { timeoutMs: 10_000 },
    );
    expect(nodes.map((n) => n.replicator.stats().deltaGossipsSent)).toEqual([0, 0, 0]);
    expect(nodes.every((n) => n.replicator.stats().stateGossipBytes > 0)).toBe(true);
  });

  it("converges with full-state gossip too (deltas: false)", async () => {
    const { nodes } = await startNodes(["a", "b"], { deltas: false, gossipIntervalMs: 30, antiEntropyIntervalMs: 60_000 });
    for (let i = 0; i < 20; i++) await nodes[i % 2]?.replicator.update("n", PNCounter.empty(), (c, node) => c.increment(node, 2));
    await eventually("both nodes count 40", async () => {
      const values = await localValues<PNCounter>(nodes, "n");
      expect(values.map((v) => v?.value)).toEqual([40n, 40n]);
    });
  });

  it("tells subscribers each change, from any node, and the deletion", async () => {
    const { nodes } = await startNodes(["a", "b"]);
    const [a, b] = nodes as [ReplicaNode, ReplicaNode];
    const watcher = await probe(a.system);
    a.replicator.subscribe("cart", watcher.pid);
    await b.replicator.update("cart", ORSet.empty(), (s, node) => s.add(node, "apple"));
    const valuesSeen = async (want: string[]) => {
      for (;;) {
        const { key, data } = changedValue(await watcher.expectMessageOfType(ChangedSchema));
        expect(key).toBe("cart");
        if (data instanceof ORSet && [...data.value].sort().join() === want.join()) return;
      }
    };
    await valuesSeen(["apple"]);
    await a.replicator.update("cart", ORSet.empty(), (s, node) => s.add(node, "pear"));
    await valuesSeen(["apple", "pear"]);
    await b.replicator.delete("cart", { writeConsistency: "all" });
    await watcher.expectMessageMatching((m) => isMessage(m, ChangedSchema) && changedValue(m).data.type === "Deleted");
    await expect(a.replicator.update("cart", ORSet.empty(), (s, node) => s.add(node, "x"))).rejects.toMatchObject({ code: "KeyDeleted" });
  });
});
