import { isMessage } from "@bufbuild/protobuf";
import type { Actor, ReceiveContext } from "@tsakt/actor";
import { ActorSystem, InvalidOptionError, silentLogger } from "@tsakt/actor";
import {
  type ClusterJobFired,
  ClusterJobFiredSchema,
  clusterScheduler,
  clusterSchedulerOf,
  JobAlreadyExistsError,
  JobNotFoundError,
} from "@tsakt/cluster/scheduler";
import { capturingLogger, eventually, staysTrue, TestClock } from "@tsakt/testkit";
import { startTestCluster, type TestCluster } from "@tsakt/testkit/cluster";
import { describe, expect, it } from "vitest";

const EVERY_SECOND = "* * * * * *";
const fast = { tickMs: 50, refreshMs: 200 };

/** Every ClusterJobFired published on any node's event stream (a node publishes exactly the due times it claimed). */
function fireLog(test: TestCluster): ClusterJobFired[] {
  const log: ClusterJobFired[] = [];
  for (const node of test.nodes) node.system.eventStream.subscribe(ClusterJobFiredSchema, (fired) => log.push(fired));
  return log;
}

/** Due time → how many times it fired. */
function countsOf(log: readonly ClusterJobFired[], job = "tick"): Map<number, number> {
  const counts = new Map<number, number>();
  for (const fired of log) if (fired.job === job) counts.set(Number(fired.dueMs), (counts.get(Number(fired.dueMs)) ?? 0) + 1);
  return counts;
}

/** The seconds between the first and last due time that did not fire. */
function missing(counts: Map<number, number>): number[] {
  const dues = [...counts.keys()].sort((a, b) => a - b);
  const gaps: number[] = [];
  for (let due = dues[0] ?? 0; due <= (dues.at(-1) ?? 0); due += 1000) if (!counts.has(due)) gaps.push(due);
  return gaps;
}

async function memoryCluster(clock: TestClock): Promise<TestCluster> {
  return startTestCluster({ nodes: 3, clock, plugins: () => [clusterScheduler(fast)] });
}

const wait = (clock: TestClock) => ({ clock, timeoutMs: 60_000, intervalMs: 50 });

describe("cluster scheduler", () => {
  it("a cron job scheduled on all 3 nodes fires exactly once per due time in the cluster", async () => {
    const clock = new TestClock();
    await using test = await memoryCluster(clock);
    const log = fireLog(test);
    const jobs = await Promise.all(test.nodes.map((n) => clusterSchedulerOf(n.system).scheduleCron("tick", EVERY_SECOND, "log")));
    expect(new Set(jobs.map((j) => j.createdAtMs)).size).toBe(1); // one job, whichever call created it
    await eventually("10 due times to fire", () => countsOf(log).size >= 10, wait(clock));
    const counts = countsOf(log);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
    expect(missing(counts)).toEqual([]);
    expect(new Set(log.map((f) => f.node))).toEqual(new Set(["n1"])); // the oldest member owns the jobs
    expect(test.nodes.map((n) => clusterSchedulerOf(n.system).isOwner())).toEqual([true, false, false]);
  });

  for (const missed of ["catch-up", "skip"] as const) {
    it(`after the owner is killed the next owner goes on; missed "${missed}"`, async () => {
      const clock = new TestClock();
      await using test = await memoryCluster(clock);
      const log = fireLog(test);
      await clusterSchedulerOf(test.node("n2").system).scheduleCron("tick", EVERY_SECOND, "log", { missed });
      await eventually("3 due times to fire", () => countsOf(log).size >= 3, wait(clock));
      const killedAt = clock.now();
      test.kill("n1");
      const n2 = clusterSchedulerOf(test.node("n2").system);
      await eventually("n2 to own the jobs", () => n2.isOwner(), wait(clock));
      const tookOverAt = clock.now();
      await eventually(
        "3 due times fired by n2",
        () => log.filter((f) => f.node === "n2" && Number(f.dueMs) > tookOverAt).length >= 3,
        wait(clock),
      );
      const counts = countsOf(log);
      expect([...counts.values()].every((c) => c === 1)).toBe(true);
      const gaps = missing(counts);
      expect(tookOverAt - killedAt).toBeGreaterThan(2000); // due times passed with no owner
      if (missed === "catch-up") {
        expect(gaps).toEqual([]);
        expect(log.some((f) => f.node === "n2" && f.late)).toBe(true);
      } else {
        expect(gaps.length).toBeGreaterThanOrEqual(2);
        expect(gaps.every((due) => due > killedAt - 1000 && due <= tookOverAt)).toBe(true);
        expect(log.some((f) => f.late)).toBe(false);
      }
    });
  }

  it("lists and cancels from a node that is not the owner; typed errors", async () => {
    const clock = new TestClock();
    await using test = await memoryCluster(clock);
    const log = fireLog(test);
    const n3 = clusterSchedulerOf(test.node("n3").system);
    expect(n3.isOwner()).toBe(false);
    await n3.scheduleCron("tick", EVERY_SECOND, "log");
    await n3.scheduleOnce("later", 600_000, "log", { missed: "skip" });
    const listed = await clusterSchedulerOf(test.node("n2").system).list();
    expect(listed.map((j) => [j.name, j.kind, j.target])).toEqual([
      ["later", "once", "log"],
      ["tick", "cron", "log"],
    ]);
    expect(listed[1]).toMatchObject({ expression: EVERY_SECOND, timezone: "UTC", missed: "catch-up" });

    await expect(n3.scheduleCron("bad", "61 * * * * *", "log")).rejects.toMatchObject({ code: "InvalidOption", field: "expression" });
    await expect(n3.scheduleCron("bad", EVERY_SECOND, "log", { timezone: "Mars/Base" })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(n3.scheduleCron("tick", "*/2 * * * * *", "log")).rejects.toBeInstanceOf(JobAlreadyExistsError);
    await expect(n3.scheduleCron("tick", EVERY_SECOND, "log", { missed: "skip" })).rejects.toMatchObject({ code: "JobAlreadyExists" });
    await expect(n3.cancel("nope")).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(n3.cancel("nope")).rejects.toMatchObject({ code: "JobNotFound" });

    await eventually("tick to fire", () => countsOf(log).size >= 2, wait(clock));
    await n3.cancel("tick");
    const cancelledAt = clock.now();
    await staysTrue("no due time after the cancel fires", () => [...countsOf(log).keys()].every((due) => due <= cancelledAt + 1000), {
      clock,
      timeoutMs: 3000,
      intervalMs: 50,
    });
    expect((await n3.list()).map((j) => j.name)).toEqual(["later"]);
    await expect(n3.cancel("tick")).rejects.toBeInstanceOf(JobNotFoundError);
  });

  it("a once job fires once, late after a failover with catch-up, and is then gone", async () => {
    const clock = new TestClock();
    await using test = await memoryCluster(clock);
    const log = fireLog(test);
    const n2 = clusterSchedulerOf(test.node("n2").system);
    await n2.scheduleOnce("once", 1000, "log");
    await eventually("n1 to learn of the job", () => clock.now() > 500, wait(clock));
    test.kill("n1");
    await eventually("the once job to fire", () => countsOf(log, "once").size === 1, wait(clock));
    expect(log.filter((f) => f.job === "once").map((f) => [f.node, f.late])).toEqual([["n2", true]]);
    await eventually("the fired once job to be gone", async () => (await n2.list()).length === 0, wait(clock));
    expect(countsOf(log, "once").get(Number(log[0]?.dueMs))).toBe(1);
  });
});

describe("cluster scheduler options", () => {
  it("rejects bad options naming the field, and clusterSchedulerOf needs the plugin", async () => {
    expect(() => clusterScheduler({ tickMs: 0 })).toThrow(expect.objectContaining({ code: "InvalidOption", field: "tickMs" }));
    expect(() => clusterScheduler({ maxCatchUp: 1.5 })).toThrow(expect.objectContaining({ field: "maxCatchUp" }));
    expect(() => clusterScheduler({ tickMS: 10 } as never)).toThrow(expect.objectContaining({ field: "tickMS" }));
    const system = await ActorSystem.start({ name: "plain", logger: silentLogger });
    try {
      expect(() => clusterSchedulerOf(system)).toThrow(expect.objectContaining({ code: "PluginNotInstalled" }));
    } finally {
      await system.stop();
    }
  });
});

describe("cluster scheduler over TCP", () => {
  it("tells the target actor by name; a graceful leave of the owner hands the job over with no duplicate or gap", async () => {
    const logger = capturingLogger();
    await using test = await startTestCluster({ nodes: 3, transport: "tcp", logger, plugins: () => [clusterScheduler(fast)] });
    const received: ClusterJobFired[] = [];
    const logActor: Actor = {
      receive(ctx: ReceiveContext) {
        if (isMessage(ctx.message, ClusterJobFiredSchema)) received.push(ctx.message);
      },
    };
    await test.node("n3").system.spawn("log", () => logActor);
    await Promise.all(test.nodes.map((n) => clusterSchedulerOf(n.system).scheduleCron("tick", EVERY_SECOND, "log")));
    await eventually("2 deliveries", () => received.length >= 2, { timeoutMs: 10_000 });
    await test.stopNode("n1");
    await eventually("2 deliveries from n2", () => received.filter((f) => f.node === "n2").length >= 2, { timeoutMs: 10_000 });
    const counts = countsOf(received);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
    expect(missing(counts)).toEqual([]);
    await test.stop();
    expect(logger.format(logger.atOrAbove("warn"))).toBe(""); // a clean run and stop logs nothing above info
  });
});
