import { create } from "@bufbuild/protobuf";
import { file_google_protobuf_wrappers, StringValueSchema } from "@bufbuild/protobuf/wkt";
import { ActorSystem, silentLogger } from "@tsakt/actor";
import { type Cluster, cluster as clusterPlugin, remotingTransport } from "@tsakt/cluster";
import { MemoryDiscoveryProvider, MemoryNetwork } from "@tsakt/discovery";
import { grainOf } from "@tsakt/grains";
import { clusterGrains } from "@tsakt/grains/cluster";
import { remoting } from "@tsakt/remote";
import { eventually } from "@tsakt/testkit";
import { afterEach, describe, expect, it } from "vitest";

const started: ActorSystem[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

describe("grains on a node that was downed and rejoined (downing.whenDowned: rejoin)", () => {
  it("stop when it is downed and activate again once it rejoined as a new run", async () => {
    const discovery = new MemoryNetwork();
    const nodes: { name: string; system: ActorSystem; cluster: Cluster }[] = [];
    for (const name of ["n1", "n2"]) {
      const cluster = clusterPlugin({
        transport: remotingTransport({ name }),
        discovery: new MemoryDiscoveryProvider({ network: discovery }),
        probeIntervalMs: 100,
        pingTimeoutMs: 50,
        suspicionTimeoutMs: 500,
        downing: { whenDowned: "rejoin" },
      });
      const system = await ActorSystem.start({
        name: "shop",
        logger: silentLogger,
        plugins: [
          remoting({ host: "127.0.0.1", port: 0, types: [file_google_protobuf_wrappers] }),
          cluster,
          clusterGrains({ kinds: { echo: { factory: () => ({ onReceive: (ctx) => ctx.respond(ctx.message) }) } } }),
        ],
      });
      started.push(system);
      nodes.push({ name, system, cluster });
    }
    const [, n2] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    await eventually("two members", () => nodes.every((n) => n.cluster.members().length === 2), { timeoutMs: 10_000 });
    const ask = (id: string) => grainOf(n2.system, "echo", id).ask(create(StringValueSchema, { value: id }), { timeoutMs: 2000 });
    expect(await ask("a")).toMatchObject({ value: "a" });
    const firstRun = n2.cluster.self.uid;

    await n2.cluster.down("n2");
    // Rejoined means every member knows the new run (a member takes it only on its own word, in a direct exchange).
    await eventually(
      "n2 rejoined, as its new run on every node",
      () =>
        n2.cluster.isRunning &&
        n2.cluster.self.uid !== firstRun &&
        nodes.every((n) => n.cluster.members().length === 2 && n.cluster.member("n2")?.uid === n2.cluster.self.uid),
      { timeoutMs: 10_000 },
    );
    expect(n2.system.isRunning).toBe(true);
    // Grains serve again on the new run: a new identity and the one it hosted before being downed.
    expect(await ask("b")).toMatchObject({ value: "b" });
    expect(await ask("a")).toMatchObject({ value: "a" });
  });
});
