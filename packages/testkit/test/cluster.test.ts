import { create } from "@bufbuild/protobuf";
import { StringValueSchema } from "@bufbuild/protobuf/wkt";
import type { Actor, ReceiveContext } from "@tsakt/actor";
import { spawnOn } from "@tsakt/cluster";
import { eventually, TestClock } from "@tsakt/testkit";
import { startTestCluster } from "@tsakt/testkit/cluster";
import { describe, expect, it } from "vitest";

const where = (node: string) => (): Actor => ({
  receive(ctx: ReceiveContext) {
    if (typeof ctx.message === "object") ctx.respond(create(StringValueSchema, { value: node }));
  },
});

describe("startTestCluster", () => {
  it("runs nodes on the in-memory network under a test clock: a partition downs the minority, the majority goes on", async () => {
    const clock = new TestClock();
    await using test = await startTestCluster({ nodes: 4, clock });
    expect(test.nodes.map((n) => n.cluster.members().length)).toEqual([4, 4, 4, 4]);
    const n4 = test.node("n4");
    test.partition(["n1", "n2", "n3"], ["n4"]);
    await test.converged(["n1", "n2", "n3"], 30_000);
    await eventually("n4 to stop its system after downing itself", () => !n4.system.isRunning, {
      clock,
      timeoutMs: 30_000,
      intervalMs: 50,
    });
    test.heal();
  });

  it("runs nodes over TCP with remoting, so actors placed on one node answer from every node", async () => {
    await using test = await startTestCluster({
      nodes: ["a", "b", "c"],
      transport: "tcp",
      types: [StringValueSchema],
      cluster: (node) => ({ kinds: { where: where(node) } }),
    });
    const b = test.node("b");
    await spawnOn(b.system, "w", "where", { placement: "local" });
    for (const node of test.nodes) {
      const reply = await (await node.system.actorOf("w")).ask<{ value: string }>(create(StringValueSchema, { value: "?" }));
      expect(reply.value).toBe("b");
    }
  });
});
