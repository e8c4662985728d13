import { InvalidConfigError } from "@tsakt/discovery";
import { StaticDiscoveryProvider } from "@tsakt/discovery-static";
import { describe, expect, it } from "vitest";

const peers = ["127.0.0.1:4000", "127.0.0.1:4001", "[::1]:4002"];

describe("StaticDiscoveryProvider", () => {
  it('turns "host:port" entries into nodes named "host:port"', async () => {
    const provider = new StaticDiscoveryProvider({ peers });
    expect(await provider.discoverPeers()).toEqual([
      { name: "127.0.0.1:4000", host: "127.0.0.1", port: 4000 },
      { name: "127.0.0.1:4001", host: "127.0.0.1", port: 4001 },
      { name: "[::1]:4002", host: "::1", port: 4002 },
    ]);
  });

  it("leaves out the registered node when its host and port match an entry, whatever its name", async () => {
    const provider = new StaticDiscoveryProvider({ peers });
    await provider.register({ name: "node-a", host: "127.0.0.1", port: 4001 });
    expect((await provider.discoverPeers()).map((p) => p.name)).toEqual(["127.0.0.1:4000", "[::1]:4002"]);
  });

  it("leaves out the registered node when its name matches an entry, whatever its address", async () => {
    const provider = new StaticDiscoveryProvider({
      peers: [
        { name: "a", host: "10.0.0.1", port: 1 },
        { name: "b", host: "10.0.0.2", port: 1 },
      ],
    });
    await provider.register({ name: "a", host: "0.0.0.0", port: 9 });
    expect((await provider.discoverPeers()).map((p) => p.name)).toEqual(["b"]);
  });

  it("matches host names without regard to case", async () => {
    const provider = new StaticDiscoveryProvider({ peers: ["Node-1.example:4000", "node-2.example:4000"] });
    await provider.register({ name: "n1", host: "node-1.EXAMPLE", port: 4000 });
    expect((await provider.discoverPeers()).map((p) => p.host)).toEqual(["node-2.example"]);
  });

  it("keeps roles and meta of full node entries and hands out copies", async () => {
    const provider = new StaticDiscoveryProvider({
      peers: ["127.0.0.1:4000", { name: "b", host: "127.0.0.1", port: 4001, roles: ["db"], meta: { zone: "z" } }],
    });
    const [, b] = await provider.discoverPeers();
    expect(b).toEqual({ name: "b", host: "127.0.0.1", port: 4001, roles: ["db"], meta: { zone: "z" } });
    b!.roles!.push("mutated");
    expect((await provider.discoverPeers())[1]!.roles).toEqual(["db"]);
  });

  it("accepts an empty list for a single-node cluster", async () => {
    const provider = new StaticDiscoveryProvider({ peers: [] });
    await provider.register({ name: "solo", host: "127.0.0.1", port: 4000 });
    expect(await provider.discoverPeers()).toEqual([]);
  });

  it("explains which entry is wrong and why", () => {
    const attempt = (): unknown => new StaticDiscoveryProvider({ peers: ["127.0.0.1:4000", "127.0.0.1:4001", "localhost"] });
    expect(attempt).toThrow(InvalidConfigError);
    expect(attempt).toThrow('invalid discovery config: peers[2] is not host:port, got "localhost"');
    expect(() => new StaticDiscoveryProvider({ peers: ["a:1", "a:1"] })).toThrow('peers[1] repeats the node name "a:1" of peers[0]');
    expect(() => new StaticDiscoveryProvider({ peers: [{ name: "x", host: "h", port: 70_000 }] })).toThrow(
      "peers[0].port must be an integer from 1 to 65535",
    );
  });
});
