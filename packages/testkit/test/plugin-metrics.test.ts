import { create } from "@bufbuild/protobuf";
import { file_google_protobuf_wrappers, StringValueSchema } from "@bufbuild/protobuf/wkt";
import { ActorSystem } from "@tsakt/actor";
import { cluster, clusterOf } from "@tsakt/cluster";
import { StaticDiscoveryProvider } from "@tsakt/discovery-static";
import { type GrainReceiveContext, grainOf } from "@tsakt/grains";
import { clusterGrains } from "@tsakt/grains/cluster";
import { remoting } from "@tsakt/remote";
import { freePort } from "@tsakt/test-cluster";
import { eventually } from "@tsakt/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { NodeMetrics } from "./node-metrics.js";

const running: Array<{ system: ActorSystem; metrics: NodeMetrics }> = [];
afterEach(async () => {
  for (const n of running.splice(0)) {
    await n.system.stop();
    await n.metrics.provider.shutdown();
  }
});

const whereAmI = (node: string) => () => ({
  onReceive(ctx: GrainReceiveContext) {
    if (ctx.is(StringValueSchema)) ctx.respond(create(StringValueSchema, { value: node }));
  },
});

describe("metrics of remoting, cluster and grains", () => {
  it("match the work done on three nodes", async () => {
    const ports = [await freePort(), await freePort(), await freePort()];
    const peers = ports.map((p) => `127.0.0.1:${p}`);
    for (const [i, port] of ports.entries()) {
      const metrics = new NodeMetrics();
      const system = await ActorSystem.start({
        name: "metrics",
        metrics: { meter: metrics.provider.getMeter("test") },
        plugins: [
          remoting({ host: "127.0.0.1", port, types: [file_google_protobuf_wrappers] }),
          cluster({ discovery: new StaticDiscoveryProvider({ peers }) }),
          clusterGrains({ kinds: { where: { factory: whereAmI(`n${i}`) } }, placement: "round-robin" }),
        ],
      });
      running.push({ system, metrics });
    }
    await eventually("3 members everywhere", () => running.every((n) => clusterOf(n.system).members().length === 3), {
      timeoutMs: 20_000,
    });
    const before = await Promise.all(running.map((n) => n.metrics.collect()));

    // 30 grains, each asked once from node i % 3; the reply names the node that hosts it.
    const remoteAsks = [0, 0, 0];
    const forwardedIn = [0, 0, 0];
    const hosted = [0, 0, 0];
    for (let g = 0; g < 30; g++) {
      const from = g % 3;
      const reply = await grainOf((running[from] as { system: ActorSystem }).system, "where", `g${g}`).ask<{ value: string }>(
        create(StringValueSchema, { value: "?" }),
        { timeoutMs: 5000 },
      );
      const at = Number(reply.value.slice(1));
      hosted[at] = (hosted[at] ?? 0) + 1;
      if (at !== from) {
        remoteAsks[from] = (remoteAsks[from] ?? 0) + 1;
        forwardedIn[at] = (forwardedIn[at] ?? 0) + 1;
      }
    }
    const after = await Promise.all(running.map((n) => n.metrics.collect()));

    for (const [i, m] of after.entries()) {
      const was = before[i] as Map<string, number>;
      // Grains: every activation on this node finished onActivate, none stopped, all are live.
      expect(m.get("tsakt.grain.activations{}")).toBe(hosted[i]);
      expect(m.get("tsakt.grain.active{}")).toBe(hosted[i]);
      expect(m.get("tsakt.grain.deactivations{}")).toBe(0);
      // Cluster: three live members, no suspicion, no downing. One registry put (claim) per grain asked from here, and
      // one per grain forwarded here (the owner confirms its claim at the primary before activating).
      expect(m.get("tsakt.cluster.members{tsakt.member.status=alive}")).toBe(3);
      expect(m.get("tsakt.cluster.members{tsakt.member.status=suspect}")).toBe(0);
      expect(m.get("tsakt.cluster.suspicions{}")).toBe(0);
      expect(m.get("tsakt.cluster.downings{}")).toBe(0);
      const puts =
        (m.get("tsakt.cluster.registry.operations{tsakt.registry.operation=put,tsakt.outcome=ok}") ?? 0) -
        (was.get("tsakt.cluster.registry.operations{tsakt.registry.operation=put,tsakt.outcome=ok}") ?? 0);
      expect(puts).toBe(10 + (forwardedIn[i] as number));
      expect(m.has("tsakt.cluster.registry.operations{tsakt.registry.operation=put,tsakt.outcome=error}")).toBe(false);
      // Remoting: a connection to each other node; every grain answered from another node was at least one remote ask.
      expect(m.get("tsakt.remote.connections{}")).toBe(2);
      const asks = (m.get("tsakt.remote.ask.duration{}") ?? 0) - (was.get("tsakt.remote.ask.duration{}") ?? 0);
      expect(asks).toBeGreaterThanOrEqual(remoteAsks[i] as number);
      for (const direction of ["transmit", "receive"]) {
        const key = (name: string) => `${name}{network.io.direction=${direction}}`;
        expect(m.get(key("tsakt.remote.frames")) as number).toBeGreaterThan(was.get(key("tsakt.remote.frames")) ?? 0);
        expect(m.get(key("tsakt.remote.io")) as number).toBeGreaterThan(was.get(key("tsakt.remote.io")) ?? 0);
      }
    }
    // What the three nodes sent is what they received: frames are counted at both ends of each connection.
    await eventually(
      "frames sent and received agree",
      async () => {
        const now = await Promise.all(running.map((n) => n.metrics.collect()));
        const sum = (direction: string) =>
          now.reduce((s, m) => s + (m.get(`tsakt.remote.frames{network.io.direction=${direction}}`) ?? 0), 0);
        return sum("transmit") === sum("receive");
      },
      { timeoutMs: 5000 },
    );
  }, 60_000);
});
