import { startCluster, stopAll, type TestNode } from "@tsakt/test-cluster";
import { eventually } from "@tsakt/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, expectSchema } from "./helpers.js";

let nodes: TestNode[] = [];

beforeAll(async () => {
  nodes = await startCluster({ fast: true, management: {} });
}, 60_000);

afterAll(async () => {
  await stopAll(nodes);
});

/** The member names a node's endpoint lists, sorted. */
async function listed(node: TestNode): Promise<string[]> {
  const { body } = await call(node.url, "/cluster/members");
  return body.members.map((m: { name: string }) => m.name).sort();
}

describe("the management endpoints of a 3-node cluster (separate processes)", () => {
  it("answer what the cluster says before and after a member is killed, and readiness flips when a member leaves", async () => {
    const [a, b, c] = nodes as [TestNode, TestNode, TestNode];
    // Before: every endpoint lists what its own cluster lists, with one leader they agree on.
    for (const node of nodes) {
      const view = await call(node.url, "/cluster/members");
      expectSchema("MembersView", view.body);
      expect(view.body.members.map((m: { name: string }) => m.name).sort()).toEqual(await node.request("members"));
      expect(view.body.self).toBe(node.name);
      expect(view.body.leader).toBe(await node.request("leader"));
      expect(view.body.members.filter((m: { leader: boolean }) => m.leader)).toHaveLength(1);
      expect((await call(node.url, "/ready")).body).toEqual({ status: "ready" });
    }
    const one = await call(a.url, `/cluster/members/${encodeURIComponent(b.name)}`);
    expectSchema("MemberView", one.body);
    expect(one.body).toMatchObject({ name: b.name, status: "alive", self: false, datacenter: "default" });
    expect((await call(a.url, "/cluster/members/127.0.0.1%3A1")).status).toBe(404);
    const leader = await call(a.url, "/cluster/leader");
    expectSchema("LeaderResponse", leader.body);
    const registry = await call(a.url, "/cluster/registry");
    expectSchema("RegistryResponse", registry.body);
    expect(Object.values(registry.body.primaryCounts as Record<string, number>).reduce((x, y) => x + y, 0)).toBe(registry.body.partitions);
    const all = await call(a.url, "/cluster/nodes");
    expectSchema("NodesResponse", all.body);
    expect(all.body.nodes.map((n: { stats: { node: string } }) => n.stats.node).sort()).toEqual(nodes.map((n) => n.name).sort());
    const actors = await call(a.url, `/cluster/nodes/${encodeURIComponent(c.name)}/actors?under=/system`);
    expectSchema("ActorPage", actors.body);
    expect(actors.body.node).toBe(c.name);
    expect(actors.body.actors.map((x: { path: string }) => x.path)).toEqual(
      expect.arrayContaining(["/system/management", "/system/client-gateway", "/system/grains"]),
    );
    const status = await call(a.url, "/status");
    expectSchema("Status", status.body);
    expect(status.body.cluster).toMatchObject({ self: a.name, members: 3 });

    expect(
      (await call(a.url, `/cluster/members/${encodeURIComponent(c.name)}`, { method: "PUT", body: { operation: "explode" } })).status,
    ).toBe(400);

    // After a SIGKILL: the survivors' endpoints drop the member once their cluster declared it dead, and log it.
    await c.kill();
    for (const node of [a, b]) await node.waitFor((e) => e.event === "member-left" && e.name === c.name, 15_000);
    for (const node of [a, b]) {
      expect(await listed(node)).toEqual(await node.request("members"));
      expect(await listed(node)).not.toContain(c.name);
      const events = await call(node.url, "/cluster/events");
      expectSchema("EventsResponse", events.body);
      expect(events.body.events).toContainEqual(expect.objectContaining({ type: "member-left", member: c.name, status: "down" }));
    }
    const after = await call(a.url, "/cluster/nodes");
    expect(after.body.nodes.map((n: { stats: { node: string } }) => n.stats.node).sort()).toEqual([a.name, b.name].sort());

    // Down b through a's endpoint: b stops what it hosts and its system (the default whenDowned), so its readiness
    // flips (503 while it stops, then nothing listens); a goes on alone and stays ready.
    const down = await call(a.url, `/cluster/members/${encodeURIComponent(b.name)}`, { method: "PUT", body: { operation: "down" } });
    expect(down.status).toBe(202);
    expectSchema("OperationAccepted", down.body);
    await eventually(
      "b to report not ready",
      async () => ((await call(b.url, "/ready").catch(() => ({ status: 0 }))) as { status: number }).status !== 200,
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    await eventually("a to see b downed", async () => (await listed(a)).join() === a.name, { timeoutMs: 10_000, intervalMs: 50 });
    const afterDown = await call(a.url, "/cluster/events");
    expect(afterDown.body.events).toContainEqual(expect.objectContaining({ type: "member-left", member: b.name, status: "down" }));
    expect((await call(a.url, "/ready")).status).toBe(200);
  }, 60_000);
});
