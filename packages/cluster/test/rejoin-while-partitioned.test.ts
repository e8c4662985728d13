import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { advance, advanceUntil, TestCluster, type TestNode, useClusterFakeTimers } from "./helpers.js";

describe('a node downed with whenDowned "rejoin" while the partition lasts', () => {
  let cluster: TestCluster;

  beforeEach(() => {
    useClusterFakeTimers();
  });

  afterEach(async () => {
    await cluster.shutdown();
    vi.useRealTimers();
  });

  it("does not join a member of its own side that has not decided yet, only the cluster it finds after the heal", async () => {
    cluster = new TestCluster({ downing: { whenDowned: "rejoin" } });
    const nodes: TestNode[] = [];
    // n1 decides late (stableAfterMs 4000), n2 early (300): n2 downs itself first and looks for a cluster to rejoin.
    nodes.push(await cluster.add("n1", { downing: { whenDowned: "rejoin", stableAfterMs: 4000 } }));
    await advance(1);
    nodes.push(await cluster.add("n2", { downing: { whenDowned: "rejoin", stableAfterMs: 300 } }));
    for (const name of ["n3", "n4", "n5"]) {
      await advance(1);
      nodes.push(await cluster.add(name));
    }
    const names = ["n1", "n2", "n3", "n4", "n5"];
    await advanceUntil(() => cluster.agree(nodes, names), 10_000, "convergence");
    const n2 = nodes[1] as TestNode;
    const firstRun = n2.cluster.self.uid;
    cluster.network.partition(["n1", "n2"], ["n3", "n4", "n5"]);
    await advanceUntil(() => !n2.cluster.isRunning, 15_000, "n2 downed itself", 10);
    // n1 still runs with the majority unreachable: a cluster on its way out. n2's new run must not join it.
    for (let waited = 0; waited < 2000; waited += 50) {
      expect([waited, (nodes[0] as TestNode).cluster.isRunning]).toEqual([waited, true]);
      expect([waited, n2.cluster.isRunning]).toEqual([waited, false]);
      await advance(50);
    }
    cluster.network.heal();
    await advanceUntil(() => n2.cluster.isRunning && n2.cluster.self.uid !== firstRun, 30_000, "n2 rejoined after the heal", 10);
    await advanceUntil(
      () =>
        cluster.agree(
          nodes.filter((n) => n.cluster.isRunning),
          names,
        ),
      30_000,
      "every running node sees all five",
      10,
    );
  }, 60_000);
});
