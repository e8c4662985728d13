import { type DiscoveryNode, MemoryDiscoveryProvider, MemoryNetwork } from "@tsakt/discovery";
import { afterEach, describe, expect, it } from "vitest";

const node = (name: string, port: number): DiscoveryNode => ({ name, host: "127.0.0.1", port });

describe("MemoryDiscoveryProvider", () => {
  const open: MemoryDiscoveryProvider[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.close()));
  });
  const make = (network: MemoryNetwork): MemoryDiscoveryProvider => {
    const provider = new MemoryDiscoveryProvider({ network });
    open.push(provider);
    return provider;
  };

  it("keeps separate networks apart", async () => {
    const a = make(new MemoryNetwork());
    const b = make(new MemoryNetwork());
    await a.register(node("a", 1));
    await b.register(node("b", 2));
    expect(await a.discoverPeers()).toEqual([]);
    expect(await b.discoverPeers()).toEqual([]);
  });

  it("hands out copies, so callers cannot change what the network holds", async () => {
    const network = new MemoryNetwork();
    const a = make(network);
    const b = make(network);
    const self = { ...node("a", 1), roles: ["web"] };
    await a.register(self);
    self.roles.push("changed");
    const [seen] = await b.discoverPeers();
    seen!.roles!.push("changed-too");
    expect(await b.discoverPeers()).toEqual([{ ...node("a", 1), roles: ["web"] }]);
  });

  it("replaces a stale node of the same name, as a restarted node would", async () => {
    const network = new MemoryNetwork();
    const old = make(network);
    const restarted = make(network);
    await old.register(node("a", 1));
    await restarted.register(node("a", 2));
    expect(network.nodes()).toEqual([node("a", 2)]);
    await old.deregister();
    expect(network.nodes()).toEqual([node("a", 2)]);
  });

  it("replaces its own node when register is called again", async () => {
    const network = new MemoryNetwork();
    const a = make(network);
    await a.register(node("a", 1));
    await a.register(node("a2", 3));
    expect(network.nodes()).toEqual([node("a2", 3)]);
  });

  it("withdraws its node on close, even without deregister", async () => {
    const network = new MemoryNetwork();
    const a = make(network);
    await a.register(node("a", 1));
    await a.close();
    expect(network.nodes()).toEqual([]);
  });

  it("rejects with DiscoveryUnavailableError while the network is stopped, and re-advertises after start", async () => {
    const network = new MemoryNetwork();
    const a = make(network);
    const b = make(network);
    await a.register(node("a", 1));
    network.stop();
    await expect(b.discoverPeers()).rejects.toMatchObject({ name: "DiscoveryUnavailableError", code: "DiscoveryUnavailable" });
    await expect(b.register(node("b", 2))).rejects.toMatchObject({ code: "DiscoveryUnavailable" });
    network.start();
    expect(await b.discoverPeers()).toEqual([node("a", 1)]);
    expect(network.nodes()).toEqual([node("a", 1)]);
  });

  it("does not re-advertise a node that deregistered during the outage", async () => {
    const network = new MemoryNetwork();
    const a = make(network);
    await a.register(node("a", 1));
    network.stop();
    await a.deregister();
    network.start();
    expect(network.nodes()).toEqual([]);
  });
});
