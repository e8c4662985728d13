import { create } from "@bufbuild/protobuf";
import { file_google_protobuf_wrappers, type StringValue, StringValueSchema } from "@bufbuild/protobuf/wkt";
import { type ClusterClient, connect } from "@tsakt/client";
import { StaticDiscoveryProvider } from "@tsakt/discovery-static";
import { startCluster, stopAll, TestNode } from "@tsakt/test-cluster";
import { eventually } from "@tsakt/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const GRAINS = 300;
const ids = Array.from({ length: GRAINS }, (_, i) => `g-${String(i).padStart(3, "0")}`);

let nodes: TestNode[] = [];
let client: ClusterClient | undefined;

beforeAll(async () => {
  nodes = await startCluster({ fast: true });
}, 60_000);

afterAll(async () => {
  await client?.close();
  await stopAll(nodes);
});

/** Asks every grain once, at most `parallel` at a time; resolves with the answering node of each. */
async function callAll(c: ClusterClient, parallel: number, round: number): Promise<string[]> {
  const answers = new Array<string>(ids.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let i = next++; i < ids.length; i = next++) {
        const reply = await c
          .grain("where", ids[i] as string)
          .ask<StringValue>(create(StringValueSchema, { value: `round ${round}` }), { timeoutMs: 20_000 });
        answers[i] = reply.value.split(" ")[0] as string;
      }
    }),
  );
  return answers;
}

describe("the cluster client (from outside the membership)", () => {
  it("calls 300 grains through a 3-node cluster while one node is SIGKILLed: every call succeeds, none goes to the dead node after it was declared down", async () => {
    // One seed is enough: the gateway there tells the client the rest of the membership.
    const c = (client = await connect({
      system: "test-cluster",
      seeds: [nodes[0]?.name as string],
      types: [file_google_protobuf_wrappers],
    }));
    await eventually("the client to reach all 3 members", () => c.nodes().filter((n) => n.status === "up").length === 3, {
      timeoutMs: 10_000,
      intervalMs: 50,
    });
    expect(c.nodes().map((n) => n.name)).toEqual(nodes.map((n) => n.name).sort());

    const before = await callAll(c, 32, 0);
    const victim = nodes[1] as TestNode;
    const survivors = nodes.filter((n) => n !== victim);
    // Round-robin over 3 members, and grains placed round-robin: every member took calls and hosts grains.
    for (const n of c.nodes()) expect(n.sent).toBeGreaterThan(50);
    expect(new Set(before)).toEqual(new Set(nodes.map((n) => n.name)));

    // The second round runs while the victim is killed a third of the way in.
    let killedAt = 0;
    const during = callAll(c, 32, 1);
    await eventually("calls of round 1", () => (c.nodes().find((n) => n.name === victim.name)?.sent ?? 0) > before.length / 3 + 40, {
      timeoutMs: 10_000,
      intervalMs: 50,
    });
    killedAt = await victim.kill();
    const answers = await during;
    expect(answers.every((a) => a !== undefined)).toBe(true);

    // Every survivor declared the victim dead; the earliest declaration is when it was "declared down".
    const declared = await Promise.all(survivors.map((s) => s.waitFor((e) => e.event === "member-left" && e.name === victim.name, 15_000)));
    const declaredAt = Math.min(...declared.map((e) => e.at));
    await eventually("the client to learn the victim is down", () => c.nodes().find((n) => n.name === victim.name)?.status === "down", {
      timeoutMs: 10_000,
      intervalMs: 50,
    });

    // A third round after the failover: every grain answers from a survivor.
    const after = await callAll(c, 32, 2);
    expect(new Set(after)).toEqual(new Set(survivors.map((s) => s.name)));

    const seen = c.nodes().find((n) => n.name === victim.name);
    expect(seen?.status).toBe("down");
    expect(seen?.lastSentAtMs).toBeDefined();
    expect(seen?.lastSentAtMs as number).toBeLessThan(declaredAt);
    console.log(
      `client failover: killed at +0 ms, declared dead at +${declaredAt - killedAt} ms, last call to the victim at ${(seen?.lastSentAtMs as number) - killedAt} ms, ` +
        `client saw it down at +${(seen?.downAtMs as number) - killedAt} ms; sent ${c
          .nodes()
          .map((n) => `${n.name} ${n.sent} (${n.failed} failed)`)
          .join(", ")}`,
    );
  }, 90_000);

  it("finds members through discovery, calls an actor by name, balances by least load, and takes a restarted member back", async () => {
    const survivor = nodes.find((n) => n.running) as TestNode;
    await survivor.request("spawnOn", { actor: "greeter" });
    const c = await connect({
      system: "test-cluster",
      discovery: new StaticDiscoveryProvider({ peers: nodes.map((n) => n.name) }),
      types: [file_google_protobuf_wrappers],
      balancer: "least-load",
      loadRefreshMs: 100,
      connectTimeoutMs: 5000,
    });
    try {
      await eventually("the client to reach the 2 live members", () => c.nodes().filter((n) => n.status === "up").length === 2, {
        timeoutMs: 10_000,
        intervalMs: 50,
      });
      const reply = await c.actor("greeter").ask<StringValue>(create(StringValueSchema, { value: "hi" }));
      expect(reply.value).toMatch(/^127\.0\.0\.1:\d+ echo hi$/);
      expect(c.actor("greeter").tell(create(StringValueSchema, { value: "fire and forget" }))).toBe(true);
      await expect(c.actor("nobody").ask(create(StringValueSchema, { value: "x" }))).rejects.toMatchObject({ code: "ActorNotFound" });
      await eventually("loads to be reported", () =>
        c
          .nodes()
          .filter((n) => n.status === "up")
          .every((n) => n.load !== undefined),
      );
      const replies = await Promise.all(
        Array.from({ length: 60 }, (_, i) => c.grain("where", `ll-${i}`).ask<StringValue>(create(StringValueSchema, { value: "x" }))),
      );
      expect(replies).toHaveLength(60);
      // Where each call went depends on the loads at that moment (the pick itself is unit-tested); all went to live members.
      expect(c.nodes().reduce((sum, n) => sum + (n.status === "up" ? n.sent : 0), 0)).toBeGreaterThanOrEqual(62);
      // The member killed in the first test never answered this client's hello, and is known down from the gateways.
      const dead = nodes.find((n) => !n.running) as TestNode;
      const before = c.nodes().find((n) => n.name === dead.name);
      expect(before?.status).toBe("down");

      // The same address comes back as a new process: the gateways report a new run, and the client takes it back.
      const restarted = await TestNode.start(dead.config);
      nodes.push(restarted);
      await eventually("the restarted member to be up", () => c.nodes().find((n) => n.name === dead.name)?.status === "up", {
        timeoutMs: 15_000,
        intervalMs: 50,
      });
      expect(c.nodes().find((n) => n.name === dead.name)?.uid).not.toBe(before?.uid);
    } finally {
      await c.close();
    }
  }, 60_000);
});
