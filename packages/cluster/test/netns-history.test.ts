import { eventually, seededRandom } from "@tsakt/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NetnsHost, type NetnsLab, skipWithoutNetns, startNetnsLab } from "../../../tools/test-servers/src/index.js";
import {
  everyCallerServed,
  expectSafe,
  nodeName,
  observed,
  placeTargets,
  startLabCluster,
  startNodeOn,
  type Targets,
} from "./netns-cluster.js";
import { callLog, converged, type SafetyNode, type SafetyNodeConfig } from "./safety-nodes.js";

/** Length of the faulty stretch: TSAKT_HISTORY_MS, default 60 s. */
const runMs = Number(process.env.TSAKT_HISTORY_MS ?? 60_000);
/** Seed of the fault schedule: TSAKT_HISTORY_SEED, default random (printed, so a failing run can be replayed). */
const seed = Number(process.env.TSAKT_HISTORY_SEED ?? Math.floor(Math.random() * 2 ** 31));

const targets: Targets = {
  actors: ["name-0", "name-1", "name-2", "name-3", "name-4"],
  singleton: "boss",
  grains: ["g0", "g1", "g2", "g3", "g4", "g5", "g6", "g7", "g8", "g9"],
};
/** What a downed node does: TSAKT_HISTORY_WHEN_DOWNED, default "stop-system" (the cluster's default). */
const whenDowned = process.env.TSAKT_HISTORY_WHEN_DOWNED === "rejoin" ? "rejoin" : "stop-system";
// Downed nodes stop (their processes end) or rejoin (their processes go on); ended and killed ones are started again
// as new runs. Three registry copies, so no entry is lost with a side of two.
const config: Partial<SafetyNodeConfig> = { cluster: { replicaCount: 3, downing: { whenDowned } } };
const observe = { ...observed(targets), intervalMs: 250, timeoutMs: 1000 };

/** Holds the current fault (or the quiet between faults) for `ms`: the schedule's own time, not a wait for a condition. */
function hold(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Part of `pnpm test` (about 70 s; TSAKT_HISTORY=0 leaves it out on a machine where that is too long). Seven causes of
 * overlapping copies or lost names it found are fixed, each with its own deterministic test; the cluster README lists
 * them and the runs since.
 */
const historyWanted = process.env.TSAKT_HISTORY !== "0";
if (!historyWanted) console.info("netns-history: left out (TSAKT_HISTORY=0); see packages/cluster/README.md");

describe.skipIf(!historyWanted || skipWithoutNetns())(
  `history of a ${runMs / 1000} s run with kills and partitions (five nodes in network namespaces)`,
  () => {
    let lab: NetnsLab;
    const nodes: SafetyNode[] = [];
    const log = callLog();

    beforeAll(async () => {
      lab = await startNetnsLab({ hosts: 5 });
    });

    afterAll(async () => {
      await Promise.all(nodes.map((n) => n.kill()));
      await lab?.destroy();
    });

    it(
      "never shows two copies of one grain, actor or singleton alive at once",
      async () => {
        const hosts = lab.hosts as NetnsHost[];
        nodes.push(...(await startLabCluster(lab, log, config)));
        await placeTargets(nodes, targets);
        await Promise.all(nodes.map((n) => n.request("observe", observe)));
        // Printed first, so a run that fails before its summary can still be replayed.
        console.log(`history run: seed ${seed}, whenDowned ${whenDowned} (TSAKT_HISTORY_SEED replays its fault schedule)`);
        const next = seededRandom(seed);
        const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
        const pause = (minMs: number, maxMs: number) => hold(minMs + next() * (maxMs - minMs));
        const everyRun = [...nodes];
        const faults: string[] = [];
        const started = Date.now();
        const at = () => `+${Date.now() - started}`;

        /** Starts a new run on every host whose process is gone, and observes from it. */
        const restartGone = async () => {
          for (const [i, node] of nodes.entries()) {
            if (node.running) continue;
            const fresh = await startNodeOn(lab, hosts[i] as NetnsHost, log, config);
            await fresh.request("observe", observe);
            nodes[i] = fresh;
            everyRun.push(fresh);
            faults.push(`${at()} started a new run on ${fresh.name}`);
          }
        };

        while (Date.now() - started < runMs) {
          if (next() < 0.5) {
            const victim = pick(nodes.filter((n) => n.running));
            await victim.kill();
            faults.push(`${at()} SIGKILL ${victim.name}`);
            await pause(2000, 5000);
            await restartGone();
          } else {
            const order = [...hosts].sort(() => next() - 0.5);
            const cut = 1 + Math.floor(next() * 2);
            const [small, big] = [order.slice(0, cut), order.slice(cut)];
            await lab.partition(small, big);
            faults.push(`${at()} partition ${small.map(nodeName).join(",")} | ${big.map(nodeName).join(",")}`);
            await pause(4000, 9000);
            await lab.healAll();
            faults.push(`${at()} heal`);
            await restartGone();
          }
          await pause(2000, 4000);
        }

        // Settle: everything healed and running, all five members everywhere, every caller served again.
        await lab.healAll();
        await restartGone();
        await eventually("five members everywhere after the run", () => converged(nodes, hosts.map(nodeName)), {
          timeoutMs: 40_000,
          intervalMs: 50,
        });
        await everyCallerServed(nodes, log, observe.keys, Date.now(), 40_000);
        await Promise.all(nodes.map((n) => n.request("stopObserving")));
        const downed = everyRun.flatMap((n) => n.events.filter((e) => e.event === "member-downed" && e.name === n.name)).length;
        console.log(
          `history run (seed ${seed}, whenDowned ${whenDowned}, ${runMs} ms): ${faults.length} faults, ${log.answers.length} answered calls, ` +
            `${log.misses.length} failed, ${log.copies.size} copies, ${downed} self-downings\n${faults.join("\n")}`,
        );
        expect(faults.length).toBeGreaterThan(0);
        expectSafe(everyRun, log, started, observe.keys);
      },
      runMs + 180_000,
    );
  },
);
