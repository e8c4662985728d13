import { eventually, startCluster, stopAll, type TestNode } from "@tsakt/test-cluster";
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

    // Down needs manual downing in the cluster (split-brain resolution); until then the endpoint says so.
    const down = await call(a.url, `/cluster/members/${encodeURIComponent(c.name)}`, { method: "PUT", body: { operation: "down" } });
    expect(down.status).toBe(501);
    expect(down.body.error).toBe("NotImplemented");
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
      expect(events.body.events).toContainEqual(expect.objectContaining({ type: "member-left", member: c.name, status: "dead" }));
    }
    const after = await call(a.url, "/cluster/nodes");
    expect(after.body.nodes.map((n: { stats: { node: string } }) => n.stats.node).sort()).toEqual([a.name, b.name].sort());

    // Leave b through a's endpoint: b's readiness flips to 503 (it is no longer a member), its liveness stays 200.
    const leave = await call(a.url, `/cluster/members/${encodeURIComponent(b.name)}`, { method: "PUT", body: { operation: "leave" } });
    expect(leave.status).toBe(202);
    expectSchema("OperationAccepted", leave.body);
    await eventually(async () => (await call(b.url, "/ready")).status === 503, 10_000, "b to report not ready");
    const notReady = await call(b.url, "/ready");
    expectSchema("Health", notReady.body);
    expect(notReady.body.reasons[0]).toMatch(/not a running cluster member/);
    expect((await call(b.url, "/alive")).status).toBe(200);
    await eventually(async () => (await listed(a)).join() === a.name, 10_000, "a to see b leave");
    expect((await call(a.url, "/ready")).status).toBe(200);
  }, 60_000);
});
