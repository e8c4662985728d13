import { isMessage } from "@bufbuild/protobuf";
import { InMemoryLease, type MemberDowned, MemberDownedSchema, type SplitBrainDecision, SplitBrainDecisionSchema } from "@tsakt/cluster";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { advance, advanceUntil, TestCluster, type TestNode, useClusterFakeTimers } from "./helpers.js";

/** Decisions and downings published on each node's event stream, from now on. */
function record(nodes: readonly TestNode[]): { decisions: Map<string, SplitBrainDecision[]>; downed: Map<string, MemberDowned[]> } {
  const decisions = new Map<string, SplitBrainDecision[]>();
  const downed = new Map<string, MemberDowned[]>();
  for (const node of nodes) {
    decisions.set(node.name, []);
    downed.set(node.name, []);
    node.system.eventStream.subscribe((e) => {
      if (isMessage(e, SplitBrainDecisionSchema)) decisions.get(node.name)?.push(e);
      if (isMessage(e, MemberDownedSchema)) downed.get(node.name)?.push(e);
    });
  }
  return { decisions, downed };
}

const running = (nodes: readonly TestNode[]) => nodes.filter((n) => n.system.isRunning).map((n) => n.name);

describe("split-brain resolver (in-memory network)", () => {
  let cluster: TestCluster;

  beforeEach(() => {
    useClusterFakeTimers();
  });

  afterEach(async () => {
    await cluster.shutdown();
    vi.useRealTimers();
  });

  async function start(count: number, downing: object): Promise<TestNode[]> {
    cluster = new TestCluster({ downing });
    const nodes = await cluster.start(count);
    const names = nodes.map((n) => n.name);
    await advanceUntil(() => cluster.agree(nodes, names), 5000, "convergence");
    return nodes;
  }

  it("keep-majority, 3 | 2: the minority downs itself and stops; the majority downs it only after the removal margin", async () => {
    const nodes = await start(5, {});
    const events = record(nodes);
    cluster.network.partition(["n1", "n2", "n3"], ["n4", "n5"]);
    const majority = nodes.slice(0, 3);
    let minorityStoppedAt = -1;
    const took = await advanceUntil(
      () => {
        if (minorityStoppedAt < 0 && running(nodes.slice(3)).length === 0) minorityStoppedAt = Date.now();
        return cluster.agree(majority, ["n1", "n2", "n3"]);
      },
      20_000,
      "majority removes n4 and n5",
      10,
    );
    expect(took).toBeLessThanOrEqual(8000);
    expect(running(nodes)).toEqual(["n1", "n2", "n3"]);
    // The minority had stopped before the majority's removal (downRemovalMarginMs 1500 later).
    expect(minorityStoppedAt).toBeGreaterThan(0);
    for (const name of ["n4", "n5"]) expect(events.decisions.get(name)?.map((d) => d.decision)).toEqual(["down-self"]);
    for (const node of majority) {
      const name = node.name;
      // Each decides; whoever downs first spreads it, so MemberDowned is published by the node that downed each one.
      expect(events.decisions.get(name)?.[0]).toMatchObject({
        strategy: "keep-majority",
        decision: "down-unreachable",
        unreachable: ["n4", "n5"],
      });
      const left = node.events
        .filter((e) => e.type === "member-left")
        .map((e) => e.type === "member-left" && `${e.member.name} ${e.member.status}`);
      expect(left.sort()).toEqual(["n4 down", "n5 down"]);
    }
    const downedByMajority = majority.flatMap((n) => events.downed.get(n.name) ?? []).map((d) => d.name);
    expect(new Set(downedByMajority)).toEqual(new Set(["n4", "n5"]));
  });

  it("keep-majority, 2-node tie: the oldest survives, the younger downs itself", async () => {
    const nodes = await start(2, {});
    cluster.network.partition(["n1"], ["n2"]);
    await advanceUntil(() => running(nodes).length === 1 && cluster.agree([nodes[0] as TestNode], ["n1"]), 20_000, "n2 downed");
    expect(running(nodes)).toEqual(["n1"]);
  });

  it("a short blip is not a partition: membership must stay stable for stableAfterMs before anyone is downed", async () => {
    const nodes = await start(3, { stableAfterMs: 3000 });
    cluster.network.partition(["n1", "n2"], ["n3"]);
    // Long enough to become unreachable (probe + 1 s of suspicion), not long enough to be stable for 3 s.
    await advanceUntil(() => (nodes[0] as TestNode).cluster.unreachable().includes("n3"), 5000, "n3 unreachable");
    await advance(1000);
    cluster.network.heal();
    await advance(10_000);
    expect(running(nodes)).toEqual(["n1", "n2", "n3"]);
    expect(cluster.agree(nodes, ["n1", "n2", "n3"])).toBe(true);
  });

  it("static-quorum 3 of 5: a side of 3 survives; in a 2 | 2 | 1 split every side downs itself", async () => {
    let nodes = await start(5, { strategy: "static-quorum", quorumSize: 3 });
    cluster.network.partition(["n1", "n4", "n5"], ["n2", "n3"]);
    await advanceUntil(
      () =>
        running(nodes).length === 3 &&
        cluster.agree(
          nodes.filter((n) => n.system.isRunning),
          ["n1", "n4", "n5"],
        ),
      20_000,
      "3 survive",
    );
    expect(running(nodes)).toEqual(["n1", "n4", "n5"]);
    await cluster.shutdown();
    nodes = await start(5, { strategy: "static-quorum", quorumSize: 3 });
    cluster.network.partition(["n1", "n2"], ["n3", "n4"], ["n5"]);
    await advanceUntil(() => running(nodes).length === 0, 20_000, "every side downed");
  });

  it("keep-oldest with downIfAlone: the oldest, cut off alone, downs itself and the other four go on", async () => {
    const nodes = await start(5, { strategy: "keep-oldest" });
    cluster.network.partition(["n1"], ["n2", "n3", "n4", "n5"]);
    const rest = nodes.slice(1);
    await advanceUntil(
      () => !(nodes[0] as TestNode).system.isRunning && cluster.agree(rest, ["n2", "n3", "n4", "n5"]),
      20_000,
      "n1 downed",
    );
    for (const node of rest) expect(node.cluster.leader()?.name).toBe("n2");
  });

  it("down-all: any unreachable member downs every node", async () => {
    const nodes = await start(3, { strategy: "down-all" });
    cluster.network.partition(["n1", "n2"], ["n3"]);
    await advanceUntil(() => running(nodes).length === 0, 20_000, "all downed");
  });

  it("lease-majority, 2 | 2: the side holding the lease survives, whatever the count", async () => {
    const lease = new InMemoryLease();
    // The younger side takes the lease first (as if the older side's store connection were slow).
    expect(await lease.acquire("n3", 60_000)).toBe(true);
    const nodes = await start(4, { strategy: "lease-majority", lease, acquireLeaseDelayForMinorityMs: 500 });
    cluster.network.partition(["n1", "n2"], ["n3", "n4"]);
    await advanceUntil(
      () => running(nodes).join() === "n3,n4" && cluster.agree(nodes.slice(2), ["n3", "n4"]),
      20_000,
      "n3 and n4 keep going",
    );
    expect(await lease.holder()).toBe("n3");
  });

  it("cluster.down(member) downs a live member: it stops, and the others remove it at once", async () => {
    const nodes = await start(3, {});
    const [n1, , n3] = nodes as [TestNode, TestNode, TestNode];
    const events = record(nodes);
    await n1.cluster.down("n3");
    await advanceUntil(() => !n3.system.isRunning && cluster.agree(nodes.slice(0, 2), ["n1", "n2"]), 5000, "n3 downed");
    expect(events.downed.get("n1")).toEqual([expect.objectContaining({ name: "n3", reason: "manual" })]);
    await expect(n1.cluster.down("nobody")).rejects.toMatchObject({ code: "InvalidOption", field: "member" });
  });
});
