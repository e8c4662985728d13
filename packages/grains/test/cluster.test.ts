import { isMessage } from "@bufbuild/protobuf";
import { StringValueSchema } from "@bufbuild/protobuf/wkt";
import { isTsaktError } from "@tsakt/actor";
import { grainOf } from "@tsakt/grains";
import { eventually } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { startCluster, text, whereKind } from "./cluster-helpers.js";

/** The name of the node a whereKind grain answered from. */
function nodeOf(reply: unknown): string {
  if (!isMessage(reply, StringValueSchema)) throw new Error(`not a StringValue: ${String(reply)}`);
  return reply.value.split(" ")[0] as string;
}

describe("grains across a cluster (in one process, over TCP)", () => {
  it("activates each of 1,000 identities exactly once when 3 nodes call them first at the same time", async () => {
    const activations = new Map<string, string[]>();
    const nodes = await startCluster(["a", "b", "c"], (name) => ({ kinds: { where: whereKind(name, activations) } }));
    const ids = Array.from({ length: 1000 }, (_, i) => `g${i}`);
    const replies = await Promise.all(
      ids.flatMap((id) => nodes.map((n) => grainOf(n.system, "where", id).ask(text("hi"), { timeoutMs: 30_000 }))),
    );
    expect(activations.size).toBe(1000);
    for (const id of ids) expect(activations.get(id)).toHaveLength(1);
    // All three callers of an identity reached its one activation, which counted them 1, 2 and 3.
    for (let i = 0; i < ids.length; i++) {
      const owner = (activations.get(ids[i] as string) as string[])[0];
      const three = replies.slice(i * 3, i * 3 + 3).map((r) => nodeOf(r));
      expect(three).toEqual([owner, owner, owner]);
      expect(
        replies
          .slice(i * 3, i * 3 + 3)
          .map((r) => Number((r as { value: string }).value.split(" ")[1]))
          .sort(),
      ).toEqual([1, 2, 3]);
    }
    const spread = new Set([...activations.values()].map((list) => list[0]));
    // Local placement: whichever node claimed first hosts it, so every node won some.
    expect(spread.size).toBe(3);
  }, 60_000);

  it("forwards asks and tells to the node that owns the grain, and fails non-protobuf messages for remote grains", async () => {
    const activations = new Map<string, string[]>();
    const boom = { factory: () => ({ onReceive: () => Promise.reject(new Error("bad input")) }) };
    const [a, b] = await startCluster(["a", "b"], (name) => ({ kinds: { where: whereKind(name, activations), boom } }));
    if (a === undefined || b === undefined) throw new Error("two nodes");
    expect(nodeOf(await grainOf(b.system, "where", "x").ask(text("first")))).toBe("b");
    // Later calls from a reach b's activation, whose count goes on; a tell in between counts too, in order.
    expect(grainOf(a.system, "where", "x").tell(text("tell"))).toBe(true);
    expect((await grainOf(a.system, "where", "x").ask<{ value: string }>(text("second"))).value).toBe("b 3");
    expect(activations.get("x")).toEqual(["b"]);
    const error = await grainOf(a.system, "where", "x")
      .ask("plain string")
      .catch((e: unknown) => e);
    expect(isTsaktError(error, "InvalidMessage")).toBe(true);
    expect(String((error as Error).message)).toContain("registered in remoting({ types })");
    // A grain's error reaches an asker on another node with the error's code and message.
    await expect(grainOf(b.system, "boom", "y").ask(text("go"))).rejects.toThrow("bad input");
    const remote = await grainOf(a.system, "boom", "y")
      .ask(text("go"))
      .catch((e: unknown) => e);
    expect(remote).toMatchObject({ code: "Error" });
    expect(String((remote as Error).message)).toContain("bad input");
  });

  it("a node that placement chose but another node owns passes the call on to the owner", async () => {
    const activations = new Map<string, string[]>();
    let bAddress = "";
    const toB = { name: "to-b", place: () => bAddress };
    const [a, b, c] = await startCluster(["a", "b", "c"], (name) => ({
      kinds: { where: whereKind(name, activations) },
      ...(name === "a" ? { placement: toB } : {}),
    }));
    if (a === undefined || b === undefined || c === undefined) throw new Error("three nodes");
    bAddress = b.address;
    expect(nodeOf(await grainOf(c.system, "where", "hop").ask(text("hi")))).toBe("c");
    // a's placement sends the call to b; b claims for itself, finds c the owner and forwards it there.
    expect((await grainOf(a.system, "where", "hop").ask<{ value: string }>(text("hi"))).value).toBe("c 2");
    expect(activations.get("hop")).toEqual(["c"]);
  });

  it("local placement activates every grain on the node that calls it first", async () => {
    const activations = new Map<string, string[]>();
    const nodes = await startCluster(["a", "b", "c"], (name) => ({ kinds: { where: whereKind(name, activations) } }));
    const b = nodes[1] as (typeof nodes)[0];
    await Promise.all(Array.from({ length: 30 }, (_, i) => grainOf(b.system, "where", `l${i}`).ask(text("hi"))));
    expect(countByNode(activations)).toEqual({ b: 30 });
  });

  it("round-robin placement spreads new grains evenly over the members", async () => {
    const activations = new Map<string, string[]>();
    const nodes = await startCluster(["a", "b", "c"], (name) => ({
      kinds: { where: whereKind(name, activations) },
      placement: "round-robin",
    }));
    const a = nodes[0] as (typeof nodes)[0];
    for (let i = 0; i < 30; i++)
      expect(nodeOf(await grainOf(a.system, "where", `r${i}`).ask(text("hi")))).toBe(activations.get(`r${i}`)?.[0]);
    expect(countByNode(activations)).toEqual({ a: 10, b: 10, c: 10 });
  });

  it("by-role placement activates only on members with the role", async () => {
    const activations = new Map<string, string[]>();
    const nodes = await startCluster(
      ["a", "b", "c"],
      (name) => ({ kinds: { onGpu: whereKind(name, activations) }, role: "gpu" }),
      (name) => (name === "b" ? ["gpu"] : []),
    );
    for (const [i, n] of nodes.entries()) await grainOf(n.system, "onGpu", `gpu${i}`).ask(text("hi"));
    expect(countByNode(activations)).toEqual({ b: 3 });
  });

  it("random and least-load placements use every member", async () => {
    for (const placement of ["random", "least-load"] as const) {
      const activations = new Map<string, string[]>();
      const nodes = await startCluster(["a", "b", "c"], (name) => ({ kinds: { where: whereKind(name, activations) }, placement }));
      const a = nodes[0] as (typeof nodes)[0];
      await Promise.all(Array.from({ length: 60 }, (_, i) => grainOf(a.system, "where", `p${i}`).ask(text("hi"))));
      const counts = countByNode(activations);
      expect(Object.keys(counts).sort(), placement).toEqual(["a", "b", "c"]);
      if (placement === "least-load") for (const count of Object.values(counts)) expect(count).toBe(20);
      await Promise.all(nodes.map((n) => n.system.stop()));
    }
  });

  it("a grain whose node left activates again on a survivor at its next message", async () => {
    const activations = new Map<string, string[]>();
    const [a, b, c] = await startCluster(["a", "b", "c"], (name) => ({ kinds: { where: whereKind(name, activations) } }));
    if (a === undefined || b === undefined || c === undefined) throw new Error("three nodes");
    expect(nodeOf(await grainOf(c.system, "where", "moving").ask(text("hi")))).toBe("c");
    expect(nodeOf(await grainOf(a.system, "where", "moving").ask(text("hi")))).toBe("c");
    await c.system.stop();
    await eventually("c to be gone", () => a.cluster.members().length === 2);
    const reply = await grainOf(a.system, "where", "moving").ask<{ value: string }>(text("again"));
    expect(reply.value).toBe("a 1");
    expect(activations.get("moving")).toEqual(["c", "a"]);
  });
});

function countByNode(activations: Map<string, string[]>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const list of activations.values()) for (const node of list) counts[node] = (counts[node] ?? 0) + 1;
  return counts;
}
