import { eventually } from "@tsakt/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NetnsHost, type NetnsLab, skipWithoutNetns, startNetnsLab } from "../../../tools/test-servers/src/index.js";
import { everyCallerServed, expectSafe, moreAnswers, observed, placeTargets, startLabCluster, type Targets } from "./netns-cluster.js";
import { callLog, type SafetyNode } from "./safety-nodes.js";

const targets: Targets = {
  actors: ["name-0", "name-1", "name-2", "name-3", "name-4"],
  singleton: "boss",
  grains: ["g0", "g1", "g2", "g3", "g4", "g5"],
};
/** Long enough for several probe rounds, suspicion, stableAfterMs and the removal margin (default timings). */
const cutForMs = 9000;

describe.skipIf(skipWithoutNetns())("five node processes in network namespaces, one link cut (A↔C) while A↔B and B↔C work", () => {
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

  it("downs nobody (indirect probes route around the cut), never lets two copies answer, and serves everything after the heal", async () => {
    nodes = await startLabCluster(lab, log, { cluster: { replicaCount: 3 } });
    const [a, , c] = nodes as [SafetyNode, SafetyNode, SafetyNode, SafetyNode, SafetyNode];
    await placeTargets(nodes, targets);
    const { targets: list, keys } = observed(targets);
    await Promise.all(nodes.map((n) => n.request("observe", { targets: list, intervalMs: 200, timeoutMs: 1000 })));
    const everyone = new Set(nodes.map((n) => n.name));
    await moreAnswers(log, keys, everyone, 2);

    const [hA, , hC] = lab.hosts as [NetnsHost, NetnsHost, NetnsHost];
    await lab.cut(hA, hC);
    const cutAt = Date.now();
    // While it lasts, the others keep answering each other (A's calls to what C hosts time out, and C's to A's).
    const others = new Set(nodes.filter((n) => n !== a && n !== c).map((n) => n.name));
    await moreAnswers(log, keys, others, 3);
    // Hold the cut past detection, stableAfterMs and the removal margin, observing all the while.
    await eventually("the cut to have lasted", () => Date.now() - cutAt >= cutForMs, { timeoutMs: cutForMs + 1000, intervalMs: 50 });
    await lab.heal(hA, hC);
    const healedAt = Date.now();

    // Every node still lists all five, and every target answers every caller again.
    const downed = nodes.flatMap((n) => n.events.filter((e) => e.event === "member-downed" || e.event === "decision"));
    expect(downed.map((e) => `${e.event} ${e.name ?? e.decision}`)).toEqual([]);
    await everyCallerServed(nodes, log, keys, healedAt);
    const servedAt = Date.now();
    await Promise.all(nodes.map((n) => n.request("stopObserving")));
    const missedDuringCut = log.misses.filter((m) => m.sentAt >= cutAt && m.sentAt < healedAt).length;
    console.log(
      `asymmetric cut A↔C for ${healedAt - cutAt} ms: no member downed, every caller served again ${servedAt - healedAt} ms after the heal, ${missedDuringCut} calls failed during the cut ` +
        `(A's to what C hosts and back), ${log.answers.length} answered in all`,
    );
    expectSafe(nodes, log, cutAt, keys);
  }, 180_000);
});
