import { create } from "@bufbuild/protobuf";
import { StringValueSchema } from "@bufbuild/protobuf/wkt";
import { type Actor, groupRouter, type ReceiveContext } from "@tsakt/actor";
import { spawnOn } from "@tsakt/cluster";
import { eventually } from "@tsakt/testkit";
import { startTestCluster } from "@tsakt/testkit/cluster";
import { describe, expect, it } from "vitest";

/** Answers every ask with the name of the node it runs on, and counts the tells it got. */
const where = (node: string) => (): Actor => {
  let tells = 0;
  return {
    receive(ctx: ReceiveContext) {
      if (ctx.is(StringValueSchema) && ctx.message.value === "tell") tells++;
      else if (ctx.is(StringValueSchema)) ctx.respond(create(StringValueSchema, { value: `${node}:${tells}` }));
    },
  };
};

const msg = (value: string) => create(StringValueSchema, { value });

describe("send by name in a cluster", () => {
  it("resolves a clustered name once, then re-resolves it where it relocated after its node left", async () => {
    await using test = await startTestCluster({
      nodes: ["a", "b", "c"],
      transport: "tcp",
      types: [StringValueSchema],
      cluster: (node) => ({ kinds: { where: where(node) } }),
    });
    const a = test.node("a").system;
    await spawnOn(test.node("c").system, "orders", "where", { placement: "local" });
    for (let i = 0; i < 100; i++) await a.tell("orders", msg("tell"));
    const first = await a.ask<{ value: string }>("orders", msg("where"));
    expect(first.value).toBe("c:100");
    expect(a.names.resolutions).toBe(1);
    // c leaves: the cluster relocates "orders" to a survivor, and a's death watch on the cached PID drops the entry.
    await test.stopNode("c");
    await eventually("a's cache to drop the entry of the stopped node", () => a.names.size === 0, { timeoutMs: 10_000 });
    let moved = "";
    await eventually(
      "orders to answer from a survivor",
      async () => {
        moved = (await a.ask<{ value: string }>("orders", msg("where"), { timeoutMs: 500 })).value;
        return moved !== "";
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(["a:0", "b:0"]).toContain(moved);
    const resolved = a.names.resolutions;
    // The new location is cached: more sends do not resolve again.
    for (let i = 0; i < 10; i++) await a.tell("orders", msg("tell"));
    expect((await a.ask<{ value: string }>("orders", msg("where"))).value).toBe(`${moved.split(":")[0]}:10`);
    expect(a.names.resolutions).toBe(resolved);
  }, 40_000);
  it("a group router over three clustered names spreads asks over their nodes and follows one that relocated", async () => {
    await using test = await startTestCluster({
      nodes: ["a", "b", "c"],
      transport: "tcp",
      types: [StringValueSchema],
      cluster: (node) => ({ kinds: { where: where(node) } }),
    });
    const a = test.node("a").system;
    for (const node of ["a", "b", "c"]) await spawnOn(test.node(node).system, `svc-${node}`, "where", { placement: "local" });
    const group = await a.spawn("svc", groupRouter(a, { strategy: "round-robin", routees: ["svc-a", "svc-b", "svc-c"] }));
    const answers: string[] = [];
    for (let i = 0; i < 9; i++) answers.push((await group.ask<{ value: string }>(msg("where"))).value.split(":")[0] as string);
    expect(answers.sort()).toEqual(["a", "a", "a", "b", "b", "b", "c", "c", "c"]);
    // c leaves: svc-c relocates to a survivor; the router's watch fires and its next message looks the name up again.
    await test.stopNode("c");
    await eventually(
      "every routee to answer again, svc-c from a survivor",
      async () => {
        const seen = new Set<string>();
        for (let i = 0; i < 3; i++)
          seen.add((await group.ask<{ value: string }>(msg("where"), { timeoutMs: 500 })).value.split(":")[0] as string);
        return !seen.has("c") && seen.size >= 1;
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    const after: string[] = [];
    for (let i = 0; i < 6; i++) after.push((await group.ask<{ value: string }>(msg("where"))).value.split(":")[0] as string);
    expect(after.every((node) => node === "a" || node === "b")).toBe(true);
    expect(after).toHaveLength(6);
  }, 40_000);
});
