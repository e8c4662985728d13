import { ActorSystem, silentLogger } from "@tsakt/actor";
import { type Cluster, type ClusterOptions, cluster, clusterOf } from "@tsakt/cluster";
import { InMemoryClusterNetwork } from "@tsakt/cluster/testing";
import { MemoryDiscoveryProvider, MemoryNetwork } from "@tsakt/discovery";
import { clusterGrainDirectory, grainRegistryKey } from "@tsakt/grains/cluster";
import { runGrainDirectoryConformance } from "@tsakt/grains/testing";
import { eventually } from "@tsakt/testkit";
import { afterAll, describe, expect, it } from "vitest";

const systems: ActorSystem[] = [];

afterAll(async () => {
  await Promise.all(systems.splice(0).map((s) => s.stop()));
});

/** Two in-memory cluster members at the conformance suite's node addresses; returns the first one's cluster. */
async function twoMembers(): Promise<Cluster> {
  return (await members(["10.0.0.1", "10.0.0.2"], new InMemoryClusterNetwork()))[0] as Cluster;
}

/** In-memory cluster members named by their hosts (port 4000, system "conformance"), once all see each other. */
async function members(hosts: readonly string[], network: InMemoryClusterNetwork): Promise<Cluster[]> {
  const discovery = new MemoryNetwork();
  const clusters: Cluster[] = [];
  for (const host of hosts) clusters.push(await startMember(host, network, discovery, { suspicionTimeoutMs: 500 }));
  await eventually(`the ${hosts.length} members to see each other`, () => clusters.every((c) => c.members().length === hosts.length));
  return clusters;
}

/** Starts one in-memory cluster member at `host` (fast probes; `timing` sets suspicion and downing). */
async function startMember(
  host: string,
  network: InMemoryClusterNetwork,
  discovery: MemoryNetwork,
  timing: Pick<ClusterOptions, "suspicionTimeoutMs" | "downing">,
): Promise<Cluster> {
  const system = await ActorSystem.start({
    name: "conformance",
    logger: silentLogger,
    plugins: [
      cluster({
        transport: network.transport({ name: host, host, port: 4000 }),
        discovery: new MemoryDiscoveryProvider({ network: discovery }),
        probeIntervalMs: 100,
        pingTimeoutMs: 50,
        ...timing,
      }),
    ],
  });
  systems.push(system);
  return clusterOf(system);
}

runGrainDirectoryConformance("cluster", { create: async () => clusterGrainDirectory(await twoMembers()) });

describe("the cluster grain directory", () => {
  it("records claims in the cluster registry under grain/<kind>/<id>, owned by the member's name", async () => {
    const cluster = await twoMembers();
    const directory = clusterGrainDirectory(cluster);
    const identity = { kind: "cart", id: "ada/42" };
    expect(await directory.claim(identity, "tsakt://conformance@10.0.0.2:4000")).toBe("tsakt://conformance@10.0.0.2:4000");
    expect(grainRegistryKey(identity)).toBe("grain/cart/ada/42");
    expect((await cluster.registry.get("grain/cart/ada/42"))?.owner).toBe("10.0.0.2");
  });

  it("lets a survivor claim an identity whose owner was killed, once the cluster declared the owner dead", async () => {
    const network = new InMemoryClusterNetwork();
    const [a] = await members(["10.0.0.1", "10.0.0.2", "10.0.0.3"], network);
    if (a === undefined) throw new Error("three members");
    const directory = clusterGrainDirectory(a);
    const identity = { kind: "cart", id: "orphan" };
    const victim = "tsakt://conformance@10.0.0.3:4000";
    const survivor = "tsakt://conformance@10.0.0.1:4000";
    expect(await directory.claim(identity, victim)).toBe(victim);
    // The key's partition has a surviving primary (rendezvous hashing is deterministic), so the claim below is answered at once.
    expect(a.registry.primaryOf("grain/cart/orphan")).not.toBe("10.0.0.3");
    network.kill("10.0.0.3");
    // While the victim is only unreachable, it still owns the grain.
    expect(await directory.claim(identity, survivor)).toBe(victim);
    await eventually("the victim to be declared dead", () => a.members().length === 2, { timeoutMs: 10_000 });
    expect(await directory.claim(identity, survivor)).toBe(survivor);
    expect(await directory.lookup(identity)).toBe(survivor);
  });

  it("keeps the entry of an owner a member has not met yet (it joined while the owner was cut off): its claim fails instead", async () => {
    const network = new InMemoryClusterNetwork();
    const discovery = new MemoryNetwork();
    const start = (host: string) =>
      startMember(host, network, discovery, { suspicionTimeoutMs: 2000, downing: { stableAfterMs: 5000, downRemovalMarginMs: 5000 } });
    const [a, , c] = [await start("10.0.1.1"), await start("10.0.1.2"), await start("10.0.1.3")];
    await eventually("three members", () => [a, c].every((x) => x?.members().length === 3));
    // An identity whose partition a survivor leads, now and once a fourth member joins (rendezvous hashing moves a
    // partition only to the newcomer).
    let n = 0;
    while (a?.registry.primaryOf(grainRegistryKey({ kind: "cart", id: `kept-${n}` })) !== "10.0.1.1") n++;
    const identity = { kind: "cart", id: `kept-${n}` };
    const key = grainRegistryKey(identity);
    const owner = "tsakt://conformance@10.0.1.3:4000";
    expect(await clusterGrainDirectory(a as Cluster).claim(identity, owner)).toBe(owner);
    // The owner is cut off; a new member joins through the others and cannot meet it.
    network.kill("10.0.1.3");
    const late = await start("10.0.1.4");
    await eventually("the late member joined", () => late.members().some((m) => m.name === "10.0.1.1"));
    expect(late.member("10.0.1.3")).toBeUndefined();
    expect(a?.member("10.0.1.3")).toBeDefined();
    await expect(clusterGrainDirectory(late).claim(identity, late.self.address)).rejects.toMatchObject({ code: "RegistryUnavailable" });
    expect((await a?.registry.get(key))?.owner).toBe("10.0.1.3");
  });

  it("refuses a claim for a node that is not a live member, naming the field", async () => {
    const directory = clusterGrainDirectory(await twoMembers());
    await expect(directory.claim({ kind: "cart", id: "1" }, "tsakt://conformance@10.9.9.9:4000")).rejects.toMatchObject({
      code: "InvalidOption",
      field: "node",
    });
  });
});
