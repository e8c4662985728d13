import { type ServerHandle, skipWithoutBinary, startEtcd, startNatsServer } from "@tsakt/test-servers";
import { eventually } from "@tsakt/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ControlPlaneConfig, type DcNode, startDcProcesses } from "./dc-process.js";

// Two datacenters of two node processes each on 127.0.0.1, the control plane on a real server. The nodes run the
// built dist: `npx tsc -b` first.
const heartbeatMs = 250;
const leaseMs = 1500;
/** Allowance on a loaded 2-core machine on top of the lease and one heartbeat (poll granularity). */
const marginMs = 2500;

type States = Record<string, { state: string; heartbeatAtMs: number; endpoints: string[] }>;

function twoDatacenters(
  label: string,
  binary: string,
  start: () => Promise<ServerHandle & { url: string }>,
  kind: ControlPlaneConfig["kind"],
) {
  describe.skipIf(skipWithoutBinary(binary))(`two datacenters, control plane on ${label}`, { timeout: 60_000 }, () => {
    let server: ServerHandle & { url: string };
    let a: DcNode[] = [];
    let b: DcNode[] = [];
    const measured: Record<string, number> = {};

    const states = (node: DcNode) => node.request<States>("states", {}, 5000);
    const allSee = async (nodes: DcNode[], dc: string, state: string) =>
      (await Promise.all(nodes.map(states))).every((s) => s[dc]?.state === state);

    beforeAll(async () => {
      server = await start();
      const config = { controlPlane: { kind, url: server.url }, heartbeatMs, leaseMs };
      a = await startDcProcesses("dc-a", 2, config);
      b = await startDcProcesses("dc-b", 2, config);
      await eventually("every node ready", () => [...a, ...b].every((n) => n.ready), { timeoutMs: 30_000, intervalMs: 50 });
    }, 60_000);

    afterAll(async () => {
      await Promise.all([...a, ...b].map((n) => n.kill()));
      await server?.stop();
      console.log(`${label}: ${JSON.stringify(measured)}`);
    });

    it("both datacenters become ACTIVE on every node, with both gateways listed", async () => {
      measured.activeMs = await eventually(
        "both ACTIVE everywhere",
        async () => (await allSee([...a, ...b], "dc-a", "ACTIVE")) && allSee([...a, ...b], "dc-b", "ACTIVE"),
        {
          timeoutMs: 20_000,
          intervalMs: 100,
        },
      );
      // The first record may list only its writer, written before its cluster converged.
      const gateways = b.map((n) => `127.0.0.1:${n.port}`).sort();
      await eventually(
        "dc-b lists both gateways",
        async () => expect((await states(a[0] as DcNode))["dc-b"]?.endpoints).toEqual(gateways),
        {
          timeoutMs: 10_000,
          intervalMs: 100,
        },
      );
    });

    it("calls a named actor of datacenter A from datacenter B, and spawns into B from A", async () => {
      await (a[0] as DcNode).request("spawnHere", { name: "orders" });
      expect(await (b[1] as DcNode).request("lookupAsk", { name: "orders", dc: "dc-a", message: "hi" })).toMatch(
        /^dc-a:127\.0\.0\.1:\d+:hi$/,
      );
      expect(await (a[1] as DcNode).request("spawnIn", { name: "inventory", dc: "dc-b" })).toMatch(/^dc-b:127\.0\.0\.1:\d+:spawned$/);
      expect(await (a[0] as DcNode).request("lookupAsk", { name: "inventory", dc: "dc-b", message: "stock?" })).toMatch(
        /^dc-b:.*:stock\?$/,
      );
    });

    it("returns both datacenters to ACTIVE with fresh heartbeats after the control-plane server restarts, without restarting nodes", async () => {
      const before = await states(a[0] as DcNode);
      await server.halt();
      await eventually(
        "every node noticed the outage",
        async () => (await Promise.all([...a, ...b].map((n) => n.request("reachable")))).every((r) => r === false),
        {
          timeoutMs: 10_000,
          intervalMs: 100,
        },
      );
      await server.restart();
      const restartedAt = Date.now();
      measured.recoveredMs = await eventually(
        "fresh heartbeats of both datacenters on every node",
        async () =>
          (await Promise.all([...a, ...b].map(states))).every((s) =>
            ["dc-a", "dc-b"].every(
              (dc) =>
                s[dc]?.state === "ACTIVE" &&
                (s[dc]?.heartbeatAtMs ?? 0) > (before[dc]?.heartbeatAtMs ?? 0) &&
                (s[dc]?.heartbeatAtMs ?? 0) >= restartedAt,
            ),
          ),
        { timeoutMs: 20_000, intervalMs: 100 },
      );
      // The outage froze the states: no node ever saw either datacenter INACTIVE.
      expect([...a, ...b].flatMap((n) => n.events.filter((e) => e.state === "INACTIVE"))).toEqual([]);
      expect(await (b[0] as DcNode).request("lookupAsk", { name: "orders", dc: "dc-a", message: "after" })).toMatch(/:after$/);
    });

    it("turns datacenter B INACTIVE in A within the lease plus a margin after SIGKILL of all its nodes; calls fail fast and fallback spawns land in A", async () => {
      expect(await (a[0] as DcNode).request("askKept", { name: "inventory", dc: "dc-b", message: "before" })).toMatchObject({
        reply: expect.stringMatching(/:before$/),
      });
      const killedAt = Math.max(...(await Promise.all(b.map((n) => n.kill()))));
      await eventually("dc-b INACTIVE on every node of dc-a", () => allSee(a, "dc-b", "INACTIVE"), {
        timeoutMs: leaseMs + heartbeatMs + marginMs,
        intervalMs: 50,
      });
      const inactiveAt = a.map(
        (n) =>
          n.events.find((e) => e.event === "dc-state" && e.datacenter === "dc-b" && e.state === "INACTIVE" && e.at >= killedAt)?.at ??
          Number.NaN,
      );
      measured.inactiveAfterKillMs = Math.max(...inactiveAt) - killedAt;
      expect(measured.inactiveAfterKillMs).toBeLessThanOrEqual(leaseMs + heartbeatMs + marginMs);
      const call = await (a[0] as DcNode).request<{ code?: string; reason?: string; ms: number }>("askKept", {
        name: "inventory",
        dc: "dc-b",
        message: "after",
      });
      expect(call).toMatchObject({ code: "DatacenterUnavailable", reason: "inactive" });
      measured.failFastMs = call.ms;
      expect(call.ms).toBeLessThan(1000); // the ask timeout is 5000
      await expect((a[1] as DcNode).request("lookupAsk", { name: "inventory", dc: "dc-b", message: "x" })).rejects.toMatchObject({
        code: "DatacenterUnavailable",
      });
      expect(await (a[1] as DcNode).request("spawnIn", { name: "fallback", dc: "dc-b", fallback: "local" })).toMatch(/^dc-a:.*:spawned$/);
    });

    it("drains datacenter A: DRAINING takes no new placements while existing actors answer, then INACTIVE", async () => {
      await (a[1] as DcNode).request("drain", { drainMs: 2000 });
      await eventually("dc-a DRAINING on its nodes", () => allSee(a, "dc-a", "DRAINING"), { timeoutMs: 5000, intervalMs: 50 });
      await expect((a[0] as DcNode).request("spawnIn", { name: "refused", dc: "dc-a" })).rejects.toMatchObject({
        code: "DatacenterUnavailable",
      });
      expect(await (a[0] as DcNode).request("lookupAsk", { name: "orders", dc: "dc-a", message: "draining" })).toMatch(/:draining$/);
      await eventually("dc-a INACTIVE on its nodes", () => allSee(a, "dc-a", "INACTIVE"), { timeoutMs: 10_000, intervalMs: 100 });
      expect(a.every((n) => n.events.some((e) => e.datacenter === "dc-a" && e.state === "DRAINING"))).toBe(true);
    });
  });
}

twoDatacenters("nats-server (JetStream KV)", "nats-server", () => startNatsServer({ jetstream: true }), "nats");
twoDatacenters("etcd", "etcd", () => startEtcd(), "etcd");
