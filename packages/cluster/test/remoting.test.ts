import { ActorSystem, silentLogger } from "@tsakt/actor";
import { type Cluster, cluster, clusterOf, remotingTransport } from "@tsakt/cluster";
import { runClusterTransportConformance } from "@tsakt/cluster/testing";
import { MemoryDiscoveryProvider, MemoryNetwork } from "@tsakt/discovery";
import { remoting } from "@tsakt/remote";
import { eventually } from "@tsakt/testkit";
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
    await eventually("three members everywhere", () => nodes.every((n) => n.members().length === 3));
    for (const node of nodes) expect(node.leader()?.name).toBe("a");
    expect(nodes[1]?.self.address).toMatch(/^tsakt:\/\/shop@127\.0\.0\.1:\d+$/);

    const [a, b, c] = nodes as [Cluster, Cluster, Cluster];
    for (let i = 0; i < 20; i++) expect((await b.registry.putIfAbsent(`actor/w${i}`, { kind: "Worker" })).created).toBe(true);
    for (let i = 0; i < 20; i++) expect((await c.registry.get(`actor/w${i}`))?.owner).toBe("b");
    expect((await a.registry.putIfAbsent("actor/w3")).created).toBe(false);

    await (systems[2] as ActorSystem).stop();
    await eventually("c gone", () => a.members().length === 2 && b.members().length === 2, { timeoutMs: 3000 });
    for (let i = 0; i < 20; i++) expect((await a.registry.get(`actor/w${i}`))?.owner).toBe("b");
  });
  it("keeps the claim of a remote spawn whose answer came too late, and takes the actor that started: one copy", async () => {
    const discovery = new MemoryNetwork();
    // The factory holds its node's loop for 600 ms, so the spawn's answer misses the caller's 200 ms request timeout.
    const slow = () => {
      const until = Date.now() + 600;
      while (Date.now() < until) {
        // busy: the reply cannot be sent before the factory returns
      }
      return { receive: () => undefined };
    };
    const start = async (name: string, roles: string[]): Promise<Cluster> => {
      const system = await ActorSystem.start({
        name: "shop",
        logger: silentLogger,
        plugins: [
          remoting({ host: "127.0.0.1", port: 0, requestTimeoutMs: 200 }),
          cluster({
            transport: remotingTransport({ name }),
            discovery: new MemoryDiscoveryProvider({ network: discovery }),
            roles,
            kinds: { slow },
          }),
        ],
      });
      systems.push(system);
      return clusterOf(system);
    };
    const [a, b] = [await start("a", []), await start("b", ["host"])];
    await eventually("two members everywhere", () => a.members().length === 2 && b.members().length === 2);
    const pid = await a.spawnOn("late", "slow", { role: "host" });
    expect(pid.address).toBe(`${b.self.address}/user/late`);
    expect((await a.registry.get("actor/late"))?.owner).toBe("b");
    expect(systems[0]?.localActorOf("late")).toBeUndefined();
    expect(systems[1]?.localActorOf("late")).toBeDefined();
    // A second placement of the name finds it taken.
    await expect(a.spawnOn("late", "slow", { role: "host" })).rejects.toMatchObject({ code: "ActorAlreadyExists" });
  });
});
