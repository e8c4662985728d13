import { eventually } from "@tsakt/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NetnsHost, type NetnsLab, skipWithoutNetns, startNetnsLab } from "../../../tools/test-servers/src/index.js";
import {
  everyCallerServed,
  expectSafe,
  moreAnswers,
  nodeName,
  observed,
  placeTargets,
  startLabCluster,
  type Targets,
} from "./netns-cluster.js";
import { callLog, converged, type SafetyNode } from "./safety-nodes.js";

const targets: Targets = {
  actors: ["name-0", "name-1", "name-2", "name-3", "name-4"],
  singleton: "boss",
  grains: ["g0", "g1", "g2", "g3", "g4", "g5"],
};
/** Functional bound for each step (a decision, a rejoin), with room for a loaded 2-core machine. */
const stepBoundMs = 20_000;

describe.skipIf(skipWithoutNetns())("five node processes in network namespaces: a 2 | 3 partition that heals", () => {
  let lab: NetnsLab;
  let nodes: SafetyNode[] = [];
  const log = callLog();

  beforeAll(async () => {
    lab = await startNetnsLab({ hosts: 5 });
  });

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.kill()));
    await lab?.destroy();
  });

  it("the downed minority rejoins as new runs after the heal; one copy of everything throughout, all five serving at the end", async () => {
    // whenDowned "rejoin": a downed node stops what it hosts, then waits for an established cluster to join again.
    nodes = await startLabCluster(lab, log, { cluster: { replicaCount: 3, downing: { whenDowned: "rejoin" } } });
    const [n1, n2, n3, n4, n5] = nodes as [SafetyNode, SafetyNode, SafetyNode, SafetyNode, SafetyNode];
    await placeTargets(nodes, targets);
    const { targets: list, keys } = observed(targets);
    await Promise.all(nodes.map((n) => n.request("observe", { targets: list, intervalMs: 200, timeoutMs: 1000 })));
    const everyone = new Set(nodes.map((n) => n.name));
    await moreAnswers(log, keys, everyone, 2);

    const [h1, h2, h3, h4, h5] = lab.hosts as [NetnsHost, NetnsHost, NetnsHost, NetnsHost, NetnsHost];
    await lab.partition([h1, h2], [h3, h4, h5]);
    const cutAt = Date.now();
    for (const node of [n1, n2]) expect((await node.waitFor((e) => e.event === "member-downed", stepBoundMs)).name).toBe(node.name);
    for (const node of [n3, n4, n5])
      for (const gone of [n1, n2]) await node.waitFor((e) => e.event === "member-left" && e.name === gone.name, stepBoundMs);
    const majority = new Set([n3, n4, n5].map((n) => n.name));
    await moreAnswers(log, keys, majority, 2);
    await lab.healAll();
    const healedAt = Date.now();

    // The downed processes still run and join again as new runs of their names: five members everywhere.
    await eventually("five members everywhere after the heal", () => converged(nodes, lab.hosts.map(nodeName)), {
      timeoutMs: stepBoundMs,
      intervalMs: 50,
    });
    const rejoinedAt = Date.now();
    expect([n1.running, n2.running]).toEqual([true, true]);
    // Every caller, the rejoined ones too, is served again, and by one copy of each target.
    await everyCallerServed(nodes, log, keys, rejoinedAt);
    const servedAt = Date.now();
    await moreAnswers(log, keys, everyone, 3);
    await Promise.all(nodes.map((n) => n.request("stopObserving")));
    console.log(
      `heal after 2|3: minority rejoined ${rejoinedAt - healedAt} ms after the heal (partitioned for ${healedAt - cutAt} ms), ` +
        `every caller served ${servedAt - healedAt} ms after it; ${log.answers.length} answered calls, ${log.misses.length} failed`,
    );
    // No copy survived the heal beside another: no duplicate to stop (the minority stopped its own when downed).
    expectSafe(nodes, log, cutAt, keys, servedAt);
    expect(nodes.flatMap((n) => n.events.filter((e) => e.event === "duplicate-stopped"))).toEqual([]);
  }, 240_000);
});
