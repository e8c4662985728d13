import { type ServerHandle, skipWithoutBinary, startNatsServer } from "@tsakt/test-servers";
import { eventually } from "@tsakt/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DcNode, startDcProcesses } from "./dc-process.js";

// Gateway routing between two datacenters of two node processes each on 127.0.0.1, the control plane on a real
// nats-server with JetStream. In A only the first node is a gateway (cluster role "gateway") and the called actor
// lives on the second, which B never learns of. The nodes run the built dist: `npx tsc -b` first.
const heartbeatMs = 250;
const leaseMs = 1500;

type Stats = { relays: number; forwarded: number };

describe.skipIf(skipWithoutBinary("nats-server"))(
  "gateway routing between two datacenters of two processes (NATS)",
  { timeout: 60_000 },
  () => {
    let server: ServerHandle & { url: string };
    let a: DcNode[] = [];
    let b: DcNode[] = [];
    const measured: Record<string, number> = {};
    const node = (n: DcNode | undefined) => `127.0.0.1:${(n as DcNode).port}`;
    const forwarded = async (n: DcNode | undefined) => (await (n as DcNode).request<Stats>("gatewayStats")).forwarded;

    beforeAll(async () => {
      server = await startNatsServer({ jetstream: true });
      const controlPlane = { kind: "nats", url: server.url };
      a = await startDcProcesses("dc-a", 2, {
        controlPlane,
        heartbeatMs,
        leaseMs,
        gatewayRole: "gateway",
        roles: [["gateway"], ["worker"]],
      });
      b = await startDcProcesses("dc-b", 2, { controlPlane, heartbeatMs, leaseMs });
      await eventually("every node ready", () => [...a, ...b].every((n) => n.ready), { timeoutMs: 30_000, intervalMs: 50 });
      await eventually(
        "B sees dc-a ACTIVE with only its gateway listed",
        async () => {
          const states = await Promise.all(b.map((n) => n.request<Record<string, { state: string; endpoints: string[] }>>("states")));
          expect(states.map((s) => [s["dc-a"]?.state, s["dc-a"]?.endpoints])).toEqual(b.map(() => ["ACTIVE", [node(a[0])]]));
        },
        { timeoutMs: 20_000, intervalMs: 100 },
      );
    }, 60_000);

    afterAll(async () => {
      await Promise.all([...a, ...b].map((n) => n.kill()));
      await server?.stop();
      console.log(`gateway routing (NATS): ${JSON.stringify(measured)}`);
    });

    it("answers calls from B to an actor on A's non-gateway node, every one forwarded by A's gateway", async () => {
      expect(await (a[1] as DcNode).request("spawnHere", { name: "orders", role: "worker" })).toContain(node(a[1]));
      expect(await (a[1] as DcNode).request("isLocal", { name: "orders" })).toBe(true);
      const before = [await forwarded(a[0]), await forwarded(a[1])];
      const n = 20;
      const result = await (b[1] as DcNode).request<{ answers: string[]; from: string; gateway: string }>("routedAsks", {
        name: "orders",
        dc: "dc-a",
        n,
      });
      expect(result.answers).toEqual(Array.from({ length: n }, (_, i) => `dc-a:${node(a[1])}:q${i}`));
      expect(result.gateway).toBe(node(a[0]));
      // The actor was asked by A's gateway, not by the caller in B.
      expect(result.from.startsWith(`tsakt://multidc-test@${node(a[0])}/`)).toBe(true);
      expect((await forwarded(a[0])) - (before[0] as number)).toBe(n + 1);
      expect(await forwarded(a[1])).toBe(before[1]);
    });

    it("calls a grain whose home is A from both nodes of B, and keeps B's grain of the same id apart", async () => {
      expect(await (b[0] as DcNode).request("grainInc", { grain: "g1", dc: "dc-a" })).toBe("dc-a:g1:1");
      expect(await (b[1] as DcNode).request("grainInc", { grain: "g1", dc: "dc-a" })).toBe("dc-a:g1:2");
      expect(await (b[0] as DcNode).request("grainInc", { grain: "g1" })).toBe("dc-b:g1:1");
      expect(await (a[1] as DcNode).request("grainInc", { grain: "g1" })).toBe("dc-a:g1:3");
      await expect((b[0] as DcNode).request("grainInc", { grain: "g1", dc: "dc-z" })).rejects.toMatchObject({
        code: "DatacenterUnavailable",
      });
    });

    it("fails calls through a SIGKILLed sole gateway fast with DatacenterUnavailableError", async () => {
      expect(await (b[1] as DcNode).request("askKept", { name: "orders", dc: "dc-a", message: "before" })).toMatchObject({
        reply: `dc-a:${node(a[1])}:before`,
      });
      await (a[0] as DcNode).kill();
      let call: { code?: string; reason?: string; ms: number } = { ms: Number.NaN };
      // The first call may still be in flight on the dying connection (RemoteUnreachable); the next ones find no gateway.
      await eventually(
        "a call fails with DatacenterUnavailable",
        async () => {
          call = await (b[1] as DcNode).request("askKept", { name: "orders", dc: "dc-a", message: "after" });
          return call.code === "DatacenterUnavailable";
        },
        { timeoutMs: 10_000, intervalMs: 50 },
      );
      expect(["unreachable", "inactive"]).toContain(call.reason);
      measured.failFastMs = call.ms;
      expect(call.ms).toBeLessThan(5000); // the ask's own timeout
    });
  },
);
