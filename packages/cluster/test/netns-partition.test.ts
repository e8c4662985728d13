import { eventually } from "@tsakt/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NetnsHost, type NetnsLab, skipWithoutNetns, startNetnsLab } from "../../../tools/test-servers/src/index.js";
import {
  allAnswered,
  copiesSince,
  expectSafe,
  moreAnswers,
  observed,
  placeTargets,
  startLabCluster,
  type Targets,
  timeline,
  unanswered,
} from "./netns-cluster.js";
import { callLog, type SafetyNode } from "./safety-nodes.js";

// Default timings: a member is unreachable about 1.5–3 s after the cut (a failed probe, then suspicionTimeoutMs 1000),
// the resolver decides stableAfterMs (1500) later, and the majority downs the minority downRemovalMarginMs (1500) after that.
const stableAfterMs = 1500;
const downRemovalMarginMs = 1500;
/** Functional bound, not a timing claim: detection plus both waits, with room for a loaded 2-core machine. */
const decisionBoundMs = stableAfterMs + downRemovalMarginMs + 12_000;

const targets: Targets = {
  actors: ["name-0", "name-1", "name-2", "name-3", "name-4"],
  singleton: "boss",
  grains: ["g0", "g1", "g2", "g3", "g4", "g5"],
};

describe.skipIf(skipWithoutNetns())("five node processes in network namespaces, partitioned 2 | 3", () => {
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

  it("downs the minority, keeps serving every name, singleton and grain on the majority, and never lets two copies answer", async () => {
    // Default downing (keep-majority, stableAfterMs and downRemovalMarginMs 1500, stop-system when downed). Three copies
    // of every registry partition: a minority of two cannot hold all of them, so no entry (name, singleton, grain claim)
    // goes down with it; with the default two, the names whose both copies sat on the minority would be lost for good.
    nodes = await startLabCluster(lab, log, { cluster: { replicaCount: 3 } });
    const [n1, n2, n3, n4, n5] = nodes as [SafetyNode, SafetyNode, SafetyNode, SafetyNode, SafetyNode];
    await placeTargets(nodes, targets);
    const { targets: list, keys } = observed(targets);
    // Every node observes every target: the minority side's observers too, until their node stops.
    await Promise.all(nodes.map((n) => n.request("observe", { targets: list, intervalMs: 200, timeoutMs: 1000 })));
    await moreAnswers(log, keys, new Set(nodes.map((n) => n.name)), 2);

    // The oldest member (leader, singleton host) is in the minority, so the singleton must move.
    const minority = [n1, n2];
    const majority = [n3, n4, n5];
    const majorityNames = new Set(majority.map((n) => n.name));
    const [h1, h2, h3, h4, h5] = lab.hosts as [NetnsHost, NetnsHost, NetnsHost, NetnsHost, NetnsHost];
    await lab.partition([h1, h2], [h3, h4, h5]);
    const cutAt = Date.now();

    // The minority decides to down itself and its systems stop (whenDowned "stop-system"): the processes exit.
    for (const node of minority) {
      const decision = await node.waitFor((e) => e.event === "decision", decisionBoundMs);
      expect(decision.decision).toBe("down-self");
      await node.waitFor((e) => e.event === "stopped", decisionBoundMs);
      await eventually(`${node.name} to exit`, () => !node.running, { timeoutMs: 10_000, intervalMs: 50 });
    }
    const minorityDecidedAt = Math.max(...minority.map((n) => n.events.find((e) => e.event === "decision")?.at as number));

    // The majority decides to survive and downs both minority members (after the removal margin).
    let downedAt = 0;
    for (const node of majority) {
      for (const gone of minority) {
        const left = await node.waitFor((e) => e.event === "member-left" && e.name === gone.name, decisionBoundMs);
        expect(left.status).toBe("down");
        downedAt = Math.max(downedAt, left.at);
      }
      for (const decision of node.events.filter((e) => e.event === "decision")) expect(decision.decision).toBe("down-unreachable");
    }

    // Every name, the singleton and every grain answers again, from the majority, to callers on the majority.
    await eventually("every target to answer on the majority", () => allAnswered(log.answers, keys, majorityNames, downedAt), {
      timeoutMs: 30_000,
      intervalMs: 50,
    }).catch((error: Error) => {
      const missing = keys.filter((k) => !allAnswered(log.answers, [k], majorityNames, downedAt));
      throw new Error(`${error.message}:\n${unanswered(log, keys, majorityNames, downedAt)}\n${timeline(nodes, log, cutAt, missing)}`);
    });
    const servedAt = Date.now();
    await moreAnswers(log, keys, majorityNames, 3);
    await Promise.all(majority.map((n) => n.request("stopObserving")));
    console.log(
      `2|3 partition: the minority decided to down itself ${minorityDecidedAt - cutAt} ms after the cut, the majority removed it after ` +
        `${downedAt - cutAt} ms, every target answered again within ${servedAt - cutAt} ms (${log.answers.length} answered calls, ${log.misses.length} failed)`,
    );

    // At no time did two copies of one target answer, or live; now exactly one copy of each answers.
    expectSafe(nodes, log, cutAt, keys, servedAt);
    // The survivors re-created what the minority hosted: the singleton (on n1, the oldest) has its second copy now.
    expect(copiesSince(log.answers, 0).get(`actor:${targets.singleton}`)?.size).toBe(2);
  }, 180_000);
});
