import { StaticDiscoveryProvider } from "@tsakt/discovery-static";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { advance, advanceUntil, memberNames, TestCluster, type TestNode, useClusterFakeTimers } from "./helpers.js";

describe("membership", () => {
  let cluster: TestCluster;

  beforeEach(() => {
    useClusterFakeTimers();
    cluster = new TestCluster();
  });

  afterEach(async () => {
    await cluster.shutdown();
    vi.useRealTimers();
  });

  it.each([3, 5])("%i nodes converge on the same members and the same leader", async (count) => {
    const nodes = await cluster.start(count);
    const names = nodes.map((n) => n.name);
    await advanceUntil(() => cluster.agree(nodes, names), 5000, "all nodes list all members");
    for (const node of nodes) {
      expect(node.cluster.leader()?.name).toBe("n1");
      expect(node.streamEvents.filter((e) => e.startsWith("joined"))).toHaveLength(count);
    }
    expect(nodes.filter((n) => n.cluster.isLeader())).toEqual([nodes[0]]);
  });

  it("converges 25 nodes started at once that know each other only from a static peer list (no node downed)", async () => {
    const names = Array.from({ length: 25 }, (_, i) => `n${i + 1}`);
    const peers = names.map((name, i) => ({ name, host: "127.0.0.1", port: 5000 + i }));
    let started = false;
    void Promise.all(names.map((name, i) => cluster.add(name, { discovery: new StaticDiscoveryProvider({ peers }) }, 5000 + i))).then(
      () => (started = true),
    );
    await advanceUntil(() => started, 30_000, "every node started", 10);
    // Dissemination alone, without CPU starvation: docs/performance.md has the same start as 25 processes on 2 cores.
    await advanceUntil(() => cluster.agree(cluster.nodes, names), 10_000, "all 25 list all 25", 10);
    expect(cluster.nodes.flatMap((n) => n.events.filter((e) => e.type === "member-left"))).toEqual([]);
  });

  it("downs a killed node within 6 s with default settings (unreachable, stable, removal margin) and publishes NodeLeft", async () => {
    const nodes = await cluster.start(5);
    await advanceUntil(() => cluster.agree(nodes, ["n1", "n2", "n3", "n4", "n5"]), 5000, "convergence");
    const victim = cluster.node("n3");
    const address = victim.cluster.self.address;
    cluster.network.kill("n3");
    const survivors = cluster.others("n3");
    const tookMs = await advanceUntil(() => cluster.agree(survivors, ["n1", "n2", "n4", "n5"]), 10_000, "survivors drop n3", 10);
    // About 1 s until a probe fails, 1 s of suspicion, 1.5 s stable, 1.5 s removal margin.
    expect(tookMs).toBeGreaterThanOrEqual(3000);
    expect(tookMs).toBeLessThanOrEqual(6000);
    for (const node of survivors) {
      expect(node.streamEvents).toContain(`left ${address}`);
      const left = node.events.find((e) => e.type === "member-left");
      expect(left?.type === "member-left" && left.member).toMatchObject({ name: "n3", status: "down" });
    }
  });

  it("a live but slow node refutes suspicion by raising its incarnation and is never declared dead", async () => {
    const nodes = await cluster.start(4);
    await advanceUntil(() => cluster.agree(nodes, ["n1", "n2", "n3", "n4"]), 5000, "convergence");
    // 150 ms each way: a round trip (300 ms) misses the 200 ms ping timeout, so n2 gets suspected.
    cluster.network.delay("n2", 150);
    await advance(15_000);
    const slow = cluster.node("n2");
    expect(slow.cluster.self.incarnation).toBeGreaterThan(0);
    for (const node of nodes) {
      expect(memberNames(node)).toEqual(["n1", "n2", "n3", "n4"]);
      expect(node.events.filter((e) => e.type === "member-left")).toEqual([]);
    }
  });

  it("on an even split the side with the oldest member survives; the other downs itself and, set to rejoin, comes back after the heal", async () => {
    const nodes = await cluster.start(4, { downing: { whenDowned: "rejoin" } });
    await advanceUntil(() => cluster.agree(nodes, ["n1", "n2", "n3", "n4"]), 5000, "convergence");
    const [n1, n2, n3, n4] = nodes as [TestNode, TestNode, TestNode, TestNode];
    const firstRuns = [n3, n4].map((n) => n.cluster.self.uid);
    cluster.network.partition(["n1", "n2"], ["n3", "n4"]);
    await advanceUntil(() => cluster.agree([n1, n2], ["n1", "n2"]), 10_000, "n1 and n2 down the other side");
    for (const node of [n1, n2])
      expect(node.events.filter((e) => e.type === "member-left").map((e) => e.type === "member-left" && e.member.status)).toEqual([
        "down",
        "down",
      ]);
    // n3 and n4 downed themselves before n1 and n2 removed them, and rejoin as new runs once they can reach the others.
    cluster.network.heal();
    await advanceUntil(() => cluster.agree(nodes, ["n1", "n2", "n3", "n4"]), 30_000, "merged again");
    for (const node of nodes) expect(node.cluster.leader()?.name).toBe("n1");
    expect([n3, n4].map((n) => n.cluster.self.uid)).not.toEqual(firstRuns);
    expect([n3, n4].every((n) => n.system.isRunning)).toBe(true);
  });

  it("a node that stops leaves gracefully: the others see it left at once and discovery forgets it", async () => {
    const nodes = await cluster.start(3);
    await advanceUntil(() => cluster.agree(nodes, ["n1", "n2", "n3"]), 5000, "convergence");
    const leaving = cluster.node("n3");
    const stopped = leaving.cluster.stop();
    const survivors = cluster.others("n3");
    const tookMs = await advanceUntil(() => cluster.agree(survivors, ["n1", "n2"]), 5000, "survivors drop n3", 10);
    await stopped;
    expect(tookMs).toBeLessThan(500);
    for (const node of survivors) {
      const left = node.events.find((e) => e.type === "member-left");
      expect(left?.type === "member-left" && left.member).toMatchObject({ name: "n3", status: "left" });
    }
    expect(
      cluster.discovery
        .nodes()
        .map((n) => n.name)
        .sort(),
    ).toEqual(["n1", "n2"]);
  });

  it("the oldest member leads, and LeaderChanged names the next oldest when it is killed", async () => {
    const nodes = await cluster.start(3);
    await advanceUntil(() => cluster.agree(nodes, ["n1", "n2", "n3"]), 5000, "convergence");
    for (const node of nodes) expect(node.cluster.leader()?.name).toBe("n1");
    const n2Address = cluster.node("n2").cluster.self.address;
    cluster.network.kill("n1");
    const survivors = cluster.others("n1");
    await advanceUntil(() => survivors.every((n) => n.cluster.leader()?.name === "n2"), 6000, "n2 leads");
    for (const node of survivors) {
      expect(node.streamEvents.at(-1)).toBe(`leader ${n2Address}`);
      const change = node.events.filter((e) => e.type === "leader-changed").at(-1);
      expect(change?.type === "leader-changed" && [change.previous?.name, change.leader?.name]).toEqual(["n1", "n2"]);
    }
    expect(cluster.node("n2").cluster.isLeader()).toBe(true);
  });

  it("a node that started while its seeds were unreachable joins at the next re-discovery", async () => {
    await cluster.start(2);
    cluster.network.partition(["n1", "n2"], ["n3"]);
    const late = await cluster.add("n3");
    expect(memberNames(late)).toEqual(["n3"]);
    cluster.network.heal();
    await advanceUntil(() => cluster.agree(cluster.nodes, ["n1", "n2", "n3"]), 12_000, "n3 merged");
  });
});
