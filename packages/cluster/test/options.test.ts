import { ActorSystem, isTsaktError, silentLogger } from "@tsakt/actor";
import { type Cluster, ClusterNotRunningError, type ClusterOptions, cluster as clusterPlugin } from "@tsakt/cluster";
import { InMemoryClusterNetwork } from "@tsakt/cluster/testing";
import { MemoryDiscoveryProvider, MemoryNetwork } from "@tsakt/discovery";
import { eventually } from "@tsakt/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { resolveClusterOptions } from "../src/options.js";

const network = new InMemoryClusterNetwork();
const transport = network.transport({ name: "opts", host: "127.0.0.1", port: 4999 });
const discovery = new MemoryDiscoveryProvider({ network: new MemoryNetwork() });

function fieldOf(options: unknown): string | undefined {
  try {
    clusterPlugin(options as ClusterOptions);
  } catch (error) {
    if (isTsaktError(error, "InvalidOption")) return (error as { field?: string }).field;
    throw error;
  }
  return undefined;
}

describe("cluster options", () => {
  it("accepts the defaults", () => {
    expect(fieldOf({ transport, discovery })).toBeUndefined();
  });

  it("keeps SWIM's detector defaults, with Lifeguard's suspicion stretch off unless suspicionMaxTimeoutMs is given", () => {
    const defaults = resolveClusterOptions({ transport, discovery });
    expect([defaults.probeIntervalMs, defaults.pingTimeoutMs, defaults.suspicionTimeoutMs]).toEqual([500, 200, 1000]);
    expect(defaults.suspicionMaxTimeoutMs).toBe(1000);
    expect(resolveClusterOptions({ transport, discovery, suspicionTimeoutMs: 300 }).suspicionMaxTimeoutMs).toBe(300);
    const opted = resolveClusterOptions({ transport, discovery, suspicionTimeoutMs: 300, suspicionMaxTimeoutMs: 900 });
    expect(opted.suspicionMaxTimeoutMs).toBe(900);
  });

  it.each([
    ["partitions", { partitions: 0 }],
    ["partitions", { partitions: 1.5 }],
    ["replicaCount", { replicaCount: 0 }],
    ["probeIntervalMs", { probeIntervalMs: -1 }],
    ["pingTimeoutMs", { pingTimeoutMs: "200" }],
    ["pingTimeoutMs", { probeIntervalMs: 300, pingTimeoutMs: 300 }],
    ["indirectChecks", { indirectChecks: -1 }],
    ["suspicionTimeoutMs", { suspicionTimeoutMs: 0 }],
    ["suspicionMaxTimeoutMs", { suspicionMaxTimeoutMs: 0 }],
    ["suspicionMaxTimeoutMs", { suspicionTimeoutMs: 1000, suspicionMaxTimeoutMs: 999 }],
    ["maxPiggyback", { maxPiggyback: 0 }],
    ["retransmitMultiplier", { retransmitMultiplier: 0 }],
    ["gossipBufferSize", { gossipBufferSize: Number.NaN }],
    ["discoveryIntervalMs", { discoveryIntervalMs: 0 }],
    ["joinTimeoutMs", { joinTimeoutMs: Infinity }],
    ["requestTimeoutMs", { requestTimeoutMs: 0 }],
    ["handoffTimeoutMs", { handoffTimeoutMs: 0 }],
    ["leaveTimeoutMs", { leaveTimeoutMs: -5 }],
    ["tombstoneTtlMs", { tombstoneTtlMs: 0 }],
    ["deadMemberTtlMs", { deadMemberTtlMs: 0 }],
    ["roles", { roles: "backend" }],
    ["roles", { roles: [""] }],
    ["replicas", { replicas: 2 }],
  ])("rejects a bad %s, naming the field", (field, bad) => {
    expect(fieldOf({ transport, discovery, ...bad })).toBe(field);
  });

  it("requires a discovery provider, and rides on remoting unless given a transport", () => {
    expect(fieldOf({ discovery })).toBeUndefined();
    expect(clusterPlugin({ discovery }).dependsOn).toEqual(["remoting"]);
    expect(clusterPlugin({ discovery, transport }).dependsOn).toEqual([]);
    expect(fieldOf({ transport: { ...transport, send: undefined, self: transport.self }, discovery })).toBe("transport.send");
    expect(fieldOf({ transport })).toBe("discovery");
    expect(fieldOf({ transport, discovery: { register: async () => {} } })).toBe("discovery.discoverPeers");
    expect(fieldOf(undefined)).toBe("options");
  });
});

describe("cluster lifecycle", () => {
  const systems: ActorSystem[] = [];
  afterEach(async () => {
    await Promise.all(systems.splice(0).map((s) => s.stop()));
  });

  it("runs as a system plugin, is found with clusterOf, and leaves when the system stops", async () => {
    const { clusterOf } = await import("@tsakt/cluster");
    const net = new InMemoryClusterNetwork();
    const disco = new MemoryNetwork();
    const make = (name: string, port: number) =>
      clusterPlugin({
        transport: (system) => net.transport({ name: `${system.name}-${name}`, host: "127.0.0.1", port }),
        discovery: new MemoryDiscoveryProvider({ network: disco }),
      });
    const a = await ActorSystem.start({ name: "plug", logger: silentLogger, plugins: [make("a", 5001)] });
    const b = await ActorSystem.start({ name: "plug", logger: silentLogger, plugins: [make("b", 5002)] });
    systems.push(a, b);
    const ca = clusterOf(a);
    expect(ca.members().map((m) => m.name)).toEqual(["plug-a", "plug-b"]);
    expect(ca.self.address).toBe("tsakt://plug@127.0.0.1:5001");
    await b.stop();
    expect(() => clusterOf(b)).toThrow(expect.objectContaining({ code: "PluginNotInstalled", plugin: "cluster" }));
    await eventually("plug-b to leave", () => ca.members().length === 1, { timeoutMs: 2000 });
    expect(ca.members().map((m) => m.name)).toEqual(["plug-a"]);
    expect(disco.nodes().map((n) => n.name)).toEqual(["plug-a"]);
  });

  it("refuses registry calls and reads before start and after stop, and rejects a second start", async () => {
    const net = new InMemoryClusterNetwork();
    const cluster: Cluster = clusterPlugin({
      transport: net.transport({ name: "solo", host: "127.0.0.1", port: 6001 }),
      discovery: new MemoryDiscoveryProvider({ network: new MemoryNetwork() }),
    });
    expect(() => cluster.members()).toThrow(ClusterNotRunningError);
    const system = await ActorSystem.start({ name: "life", logger: silentLogger, plugins: [cluster] });
    systems.push(system);
    expect(cluster.isLeader()).toBe(true);
    await expect(cluster.registry.putIfAbsent("")).rejects.toMatchObject({ code: "InvalidOption", field: "key" });
    await expect(cluster.registry.putIfAbsent("k", { owner: "ghost" })).rejects.toMatchObject({ code: "InvalidOption", field: "owner" });
    expect((await cluster.registry.putIfAbsent("k")).created).toBe(true);
    await expect(cluster.start(system)).rejects.toMatchObject({ code: "ClusterAlreadyStarted" });
    await cluster.stop();
    expect(cluster.isRunning).toBe(false);
    await expect(cluster.registry.get("k")).rejects.toMatchObject({ code: "ClusterNotRunning" });
  });
});
