import { eventually } from "@tsakt/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { type NodeEvent, type ProcessNode, startProcessCluster } from "./process-nodes.js";

describe("the cluster scheduler across OS processes", () => {
  const nodes: ProcessNode[] = [];

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.kill()));
  });

  const fires = (): (NodeEvent & { node: string })[] =>
    nodes.flatMap((n) => n.events.filter((e) => e.event === "fired" && e.name === "tick").map((e) => ({ ...e, node: n.name })));

  it("a job at every second, scheduled on all 3 nodes, fires once per due time, also across a SIGKILL of its owner", async () => {
    const cluster = await startProcessCluster(nodes, 3, { fast: true, scheduler: true });
    await Promise.all(cluster.map((n) => n.request("scheduleCron", { name: "tick", expression: "* * * * * *", target: "log" })));
    await eventually("3 due times fired", () => new Set(fires().map((f) => f.due)).size >= 3, { timeoutMs: 10_000, intervalMs: 20 });
    const owners = new Set(fires().map((f) => f.node));
    expect(owners.size).toBe(1);
    const owner = nodes.find((n) => owners.has(n.name)) as ProcessNode;
    const killedAt = await owner.kill();
    const survivors = nodes.filter((n) => n !== owner);
    await eventually(
      "3 due times after the kill fired by a survivor",
      () => fires().filter((f) => f.node !== owner.name && (f.due ?? 0) > killedAt && !f.late).length >= 3,
      { timeoutMs: 20_000, intervalMs: 50 },
    );
    const counts = new Map<number, number>();
    for (const f of fires()) counts.set(f.due as number, (counts.get(f.due as number) ?? 0) + 1);
    const dues = [...counts.keys()].sort((a, b) => a - b);
    const missing: number[] = [];
    for (let due = dues[0] as number; due <= (dues.at(-1) as number); due += 1000) if (!counts.has(due)) missing.push(due);
    expect(
      [...counts.entries()].filter(([, c]) => c !== 1),
      "due times fired more than once",
    ).toEqual([]);
    expect(missing, "due times that never fired (catch-up is the default)").toEqual([]);
    // The failover took seconds, so some due times were caught up late by the new owner.
    expect(fires().some((f) => f.late && survivors.some((s) => s.name === f.node))).toBe(true);
  }, 40_000);
});
