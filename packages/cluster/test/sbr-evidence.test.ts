import { isMessage } from "@bufbuild/protobuf";
import { MemberDownedSchema, type SplitBrainDecision, SplitBrainDecisionSchema } from "@tsakt/cluster";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { advance, advanceUntil, TestCluster, useClusterFakeTimers } from "./helpers.js";

describe("split-brain resolver: deciding on evidence, not on members it has not probed yet", () => {
  let cluster: TestCluster;

  beforeEach(() => {
    useClusterFakeTimers();
  });

  afterEach(async () => {
    await cluster.shutdown();
    vi.useRealTimers();
  });

  it("a minority that has found only some of the other side unreachable does not count the rest as its own", async () => {
    // Slow probe rounds (6 others × 1 s) against a short stableAfterMs: the minority's nodes find the majority's
    // members unreachable one by one, seconds apart, and the view is "stable" long before they found them all.
    // Counting a member it has not heard from since the cut as reachable, a minority node would see itself as
    // the bigger side and survive next to the real majority.
    cluster = new TestCluster({
      probeIntervalMs: 1000,
      pingTimeoutMs: 200,
      suspicionTimeoutMs: 500,
      downing: { stableAfterMs: 300, downRemovalMarginMs: 300 },
    });
    const nodes = await cluster.start(7);
    const names = nodes.map((n) => n.name);
    await advanceUntil(() => cluster.agree(nodes, names), 20_000, "convergence");
    const decisions = new Map<string, SplitBrainDecision[]>();
    for (const node of nodes) {
      decisions.set(node.name, []);
      node.system.eventStream.subscribe((e) => {
        if (isMessage(e, SplitBrainDecisionSchema)) decisions.get(node.name)?.push(e);
      });
    }
    const minority = ["n1", "n2", "n3"];
    const majority = ["n4", "n5", "n6", "n7"];
    cluster.network.partition(minority, majority);
    const majorityNodes = nodes.filter((n) => majority.includes(n.name));
    await advanceUntil(
      () => nodes.every((n) => n.system.isRunning === majority.includes(n.name)) && cluster.agree(majorityNodes, majority),
      60_000,
      "the minority stopped and the majority removed it",
      20,
    );
    // A minority node that decides after its partners downed themselves (and went silent) counts them unreachable too.
    for (const name of minority)
      expect([name, decisions.get(name)?.map((d) => d.decision), decisions.get(name)?.[0]?.unreachable]).toEqual([
        name,
        ["down-self"],
        expect.arrayContaining(majority),
      ]);
    // A majority node survives whatever it has not confirmed yet once it has confirmed a majority, so it may down the
    // minority member by member; one that heard of the downing before its own resolver decided has nothing to decide.
    for (const name of majority)
      for (const d of decisions.get(name) ?? []) {
        expect([name, d.decision]).toEqual([name, "down-unreachable"]);
        expect(d.unreachable.length).toBeGreaterThan(0);
        for (const gone of d.unreachable) expect(minority).toContain(gone);
      }
    expect(majority.some((name) => (decisions.get(name)?.length ?? 0) > 0)).toBe(true);
  }, 60_000);

  /**
   * Partitions n1, n2 | n3, n4, n5 (after `before`, if given) and checks that each minority node stopped before any
   * majority node downed it: the minority must stop what it hosts before the majority re-creates it.
   */
  async function minorityStopsFirst(round: number, before?: () => Promise<void>): Promise<void> {
    cluster = new TestCluster({});
    const nodes = await cluster.start(5);
    const names = nodes.map((n) => n.name);
    await advanceUntil(() => cluster.agree(nodes, names), 10_000, "convergence");
    let firstDownedAt = Number.POSITIVE_INFINITY;
    for (const node of nodes.slice(2))
      node.system.eventStream.subscribe((e) => {
        if (isMessage(e, MemberDownedSchema) && ["n1", "n2"].includes(e.name)) firstDownedAt = Math.min(firstDownedAt, Date.now());
      });
    await before?.();
    cluster.network.partition(["n1", "n2"], ["n3", "n4", "n5"]);
    const stoppedAt = new Map<string, number>();
    await advanceUntil(
      () => {
        for (const n of nodes.slice(0, 2)) if (!n.system.isRunning && !stoppedAt.has(n.name)) stoppedAt.set(n.name, Date.now());
        return stoppedAt.size === 2 && Number.isFinite(firstDownedAt);
      },
      30_000,
      "the minority stopped and the majority downed it",
      10,
    );
    for (const [name, at] of stoppedAt) expect([round, name, at < firstDownedAt]).toEqual([round, name, true]);
    await cluster.shutdown();
  }

  it("with default timings, a minority of 2 of 5 has stopped before the majority downs it, partition after partition", async () => {
    // A minority node must not wait to find its partner unreachable once that partner downed itself.
    for (let round = 0; round < 8; round++) await minorityStopsFirst(round);
  }, 120_000);

  it("a minority whose probe timeouts are stretched (blips just before) still stops before the majority downs it", async () => {
    // Each failed probe makes a node distrust its own timing (Lifeguard's local health) and stretch its probe timeouts.
    // Short cuts just before the real partition leave the minority's nodes distrustful, so their detector finds the
    // other side late; silence must count anyway, or the majority re-creates what they host while it still runs.
    for (let round = 0; round < 4; round++)
      await minorityStopsFirst(round, async () => {
        for (let blip = 0; blip < 3; blip++) {
          cluster.network.partition(["n1", "n2"], ["n3", "n4", "n5"]);
          for (let t = 0; t < 1100 + 100 * round; t += 50) await advance(50);
          cluster.network.heal();
          for (let t = 0; t < 200; t += 50) await advance(50);
        }
      });
  }, 120_000);
});
