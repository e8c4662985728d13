import { ActorSystem, silentLogger } from "@tsakt/actor";
import { type Cluster, cluster, clusterOf, remotingTransport } from "@tsakt/cluster";
import { runClusterTransportConformance } from "@tsakt/cluster/testing";
import { MemoryDiscoveryProvider, MemoryNetwork } from "@tsakt/discovery";
import { remoting } from "@tsakt/remote";
import { afterAll, afterEach, describe, expect, it } from "vitest";

const conformanceSystems: ActorSystem[] = [];

runClusterTransportConformance("remoting", {
  async create(name) {
    const system = await ActorSystem.start({
      name: "conf",
      logger: silentLogger,
      plugins: [remoting({ host: "127.0.0.1", port: 0 })],
    });
    conformanceSystems.push(system);
    return remotingTransport({ name })(system);
  },
  settleMs: 2000,
});

afterAll(async () => {
  await Promise.all(conformanceSystems.splice(0).map((s) => s.stop()));
});

/** Polls `check` every 10 ms, failing after `ms`. */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("cluster over remoting", () => {
  const systems: ActorSystem[] = [];

  afterEach(async () => {
    await Promise.all(systems.splice(0).map((s) => s.stop()));
  });

  it("converges over TCP with one port per node, serves the registry across nodes, and sees a node leave", async () => {
    const discovery = new MemoryNetwork();
    const start = async (name: string): Promise<Cluster> => {
      const system = await ActorSystem.start({
        name: "shop",
        logger: silentLogger,
        plugins: [
          remoting({ host: "127.0.0.1", port: 0 }),
          cluster({
            transport: remotingTransport({ name }),
            discovery: new MemoryDiscoveryProvider({ network: discovery }),
            probeIntervalMs: 100,
            pingTimeoutMs: 50,
            suspicionTimeoutMs: 500,
          }),
        ],
      });
      systems.push(system);
      return clusterOf(system);
    };
    const nodes = [await start("a"), await start("b"), await start("c")];
    await until(() => nodes.every((n) => n.members().length === 3), 5000, "three members everywhere");
    for (const node of nodes) expect(node.leader()?.name).toBe("a");
    expect(nodes[1]?.self.address).toMatch(/^tsakt:\/\/shop@127\.0\.0\.1:\d+$/);

    const [a, b, c] = nodes as [Cluster, Cluster, Cluster];
    for (let i = 0; i < 20; i++) expect((await b.registry.putIfAbsent(`actor/w${i}`, { kind: "Worker" })).created).toBe(true);
    for (let i = 0; i < 20; i++) expect((await c.registry.get(`actor/w${i}`))?.owner).toBe("b");
    expect((await a.registry.putIfAbsent("actor/w3")).created).toBe(false);

    await (systems[2] as ActorSystem).stop();
    await until(() => a.members().length === 2 && b.members().length === 2, 3000, "c gone");
    for (let i = 0; i < 20; i++) expect((await a.registry.get(`actor/w${i}`))?.owner).toBe("b");
  });
});
