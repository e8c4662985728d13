import type { DiscoveryNode, DiscoveryProvider } from "@tsakt/discovery";
import { MdnsDiscoveryProvider } from "@tsakt/discovery-mdns";
import { eventually } from "@tsakt/testkit";
import makeMdns from "multicast-dns";
import { afterEach, describe, expect, it } from "vitest";
import { loopbackOptions } from "./loopback.js";

type Mdns = makeMdns.MulticastDNS;

const node = (name: string, port: number, extra: Partial<DiscoveryNode> = {}): DiscoveryNode => ({
  name,
  host: "127.0.0.1",
  port,
  ...extra,
});
const peerNames = async (p: DiscoveryProvider): Promise<string[]> => (await p.discoverPeers()).map((n) => n.name);

describe("MdnsDiscoveryProvider on loopback multicast", () => {
  const providers: DiscoveryProvider[] = [];
  const sockets: Mdns[] = [];
  afterEach(async () => {
    await Promise.all(providers.splice(0).map((p) => p.close()));
    await Promise.all(sockets.splice(0).map((m) => new Promise<void>((resolve) => m.destroy(resolve))));
  });
  const provider = (options: ConstructorParameters<typeof MdnsDiscoveryProvider>[0]): MdnsDiscoveryProvider => {
    const p = new MdnsDiscoveryProvider(options);
    providers.push(p);
    return p;
  };
  const rawSocket = (socket: ReturnType<typeof loopbackOptions>): Mdns => {
    const m = makeMdns(socket);
    sockets.push(m);
    return m;
  };

  it("drops a peer that vanished without a goodbye once its TTL runs out", async () => {
    const socket = loopbackOptions();
    const a = provider({ ...socket, ttlSeconds: 2, queryIntervalMs: 200 });
    const bSocket = makeMdns(socket);
    const b = provider({ mdns: bSocket, ttlSeconds: 2, queryIntervalMs: 200 });
    await a.register(node("ttl-a", 4001));
    await b.register(node("ttl-b", 4002));
    await eventually("a to see b", async () => (await peerNames(a)).includes("ttl-b"));

    // The socket goes away first, as when the process dies: close() then has no way to send a goodbye.
    await new Promise<void>((resolve) => bSocket.destroy(resolve));
    const vanishedAt = Date.now();
    await b.close();
    expect(await peerNames(a)).toContain("ttl-b");

    await eventually("b to expire from a's view", async () => !(await peerNames(a)).includes("ttl-b"), { timeoutMs: 8000 });
    expect(Date.now() - vanishedAt).toBeGreaterThanOrEqual(1000);
  });

  it("answers a DNS-SD browse with PTR, SRV, TXT and A records", async () => {
    const socket = loopbackOptions();
    const a = provider({ ...socket, ttlSeconds: 30, queryIntervalMs: 5000 });
    await a.register(node("sd-a", 4100, { roles: ["web"], meta: { zone: "z1" } }));
    const client = rawSocket(socket);
    const records = await new Promise<makeMdns.ResponsePacket>((resolve) => {
      client.on("response", (response) => {
        if ((response.answers ?? []).some((r) => r.type === "PTR" && r.data === "sd-a._tsakt._tcp.local")) resolve(response);
      });
      client.query([{ name: "_tsakt._tcp.local", type: "PTR" }]);
    });
    const all = [...(records.answers ?? []), ...(records.additionals ?? [])];
    expect(all.find((r) => r.type === "PTR")).toMatchObject({ name: "_tsakt._tcp.local", ttl: 30 });
    expect(all.find((r) => r.type === "SRV")).toMatchObject({ name: "sd-a._tsakt._tcp.local", data: { port: 4100, target: "sd-a.local" } });
    expect(all.find((r) => r.type === "A")).toMatchObject({ name: "sd-a.local", data: "127.0.0.1" });
    const txt = all.find((r) => r.type === "TXT");
    const entries = ((txt?.data ?? []) as Buffer[]).map((b) => b.toString());
    expect(entries).toEqual(expect.arrayContaining(["name=sd-a", "host=127.0.0.1", 'roles=["web"]', "meta.zone=z1"]));
  });

  it("finds a plain DNS-SD service announced by other software, and ignores other service types", async () => {
    const socket = loopbackOptions();
    const foreign = rawSocket(socket);
    foreign.on("query", (query) => {
      if (!(query.questions ?? []).some((q) => q.name === "_tsakt._tcp.local")) return;
      foreign.respond({
        answers: [
          { name: "_tsakt._tcp.local", type: "PTR", ttl: 60, data: "printer._tsakt._tcp.local" },
          { name: "_http._tcp.local", type: "PTR", ttl: 60, data: "web._http._tcp.local" },
        ],
        additionals: [
          { name: "printer._tsakt._tcp.local", type: "SRV", ttl: 60, data: { port: 631, target: "printer.local" } },
          { name: "printer.local", type: "A", ttl: 60, data: "127.0.0.1" },
          { name: "web._http._tcp.local", type: "SRV", ttl: 60, data: { port: 80, target: "printer.local" } },
        ],
      });
    });
    const a = provider({ ...socket, ttlSeconds: 5, queryIntervalMs: 200 });
    await a.register(node("browser", 4200));
    await eventually("the foreign service to appear", async () => (await peerNames(a)).includes("printer"));
    expect(await a.discoverPeers()).toEqual([{ name: "printer", host: "127.0.0.1", port: 631 }]);
  });

  it("keeps services with different names apart on one group", async () => {
    const socket = loopbackOptions();
    const a = provider({ ...socket, serviceName: "_one._tcp.local", ttlSeconds: 5, queryIntervalMs: 200 });
    const b = provider({ ...socket, serviceName: "_two._tcp.local", ttlSeconds: 5, queryIntervalMs: 200 });
    const c = provider({ ...socket, serviceName: "_one._tcp.local", ttlSeconds: 5, queryIntervalMs: 200 });
    await a.register(node("svc-a", 4301));
    await b.register(node("svc-b", 4302));
    await c.register(node("svc-c", 4303));
    await eventually("c to see a", async () => (await peerNames(c)).includes("svc-a"));
    await eventually("a to see c", async () => (await peerNames(a)).includes("svc-c"));
    expect(await peerNames(c)).toEqual(["svc-a"]);
    expect(await peerNames(b)).toEqual([]);
  });

  it("says goodbye for the old name when register is called with a new one", async () => {
    const socket = loopbackOptions();
    const a = provider({ ...socket, ttlSeconds: 30, queryIntervalMs: 200 });
    const b = provider({ ...socket, ttlSeconds: 30, queryIntervalMs: 200 });
    await a.register(node("rename-a", 4401));
    await b.register(node("rename-old", 4402));
    await eventually("a to see rename-old", async () => (await peerNames(a)).includes("rename-old"));
    await b.register(node("rename-new", 4402));
    await eventually("a to see only rename-new", async () => (await peerNames(a)).join() === "rename-new");
  });

  it("leaves a multicast-dns instance passed in open after close()", async () => {
    const socket = loopbackOptions();
    const mine = rawSocket(socket);
    const a = provider({ mdns: mine, ttlSeconds: 5, queryIntervalMs: 200 });
    await a.register(node("owned-a", 4501));
    await a.close();
    const b = provider({ ...socket, ttlSeconds: 5, queryIntervalMs: 200 });
    await b.register(node("owned-b", 4502));
    const heard = await new Promise<boolean>((resolve) => {
      mine.on("response", (r) => {
        if ((r.answers ?? []).some((x) => x.type === "PTR" && x.data === "owned-b._tsakt._tcp.local")) resolve(true);
      });
      mine.query([{ name: "_tsakt._tcp.local", type: "PTR" }]);
    });
    expect(heard).toBe(true);
    expect(mine.listenerCount("query")).toBe(0);
  });

  it("rejects with DiscoveryUnavailableError, carrying the socket error, when the socket cannot bind", async () => {
    // 203.0.113.1 (TEST-NET-3) is not an address of this host, so bind() fails before anything is sent.
    const a = provider({ ...loopbackOptions(), bind: "203.0.113.1" });
    const error = await a.register(node("nobind", 4601)).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "DiscoveryUnavailableError", code: "DiscoveryUnavailable" });
    expect((error as Error).cause).toMatchObject({ code: "EADDRNOTAVAIL" });
  });

  it("rejects node names that are not one DNS label and node data too big for one packet", async () => {
    const a = provider(loopbackOptions());
    await expect(a.register(node("a.b", 4701))).rejects.toMatchObject({ code: "InvalidConfig", field: "self.name" });
    await expect(a.register(node("x".repeat(64), 4701))).rejects.toMatchObject({ code: "InvalidConfig", field: "self.name" });
    await expect(a.register(node("big", 4701, { meta: { blob: "x".repeat(300) } }))).rejects.toMatchObject({
      code: "InvalidConfig",
      field: "self.meta",
    });
    const many = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, "v".repeat(100)]));
    await expect(a.register(node("big", 4701, { meta: many }))).rejects.toMatchObject({ code: "InvalidConfig", field: "self.meta" });
  });

  it("refuses socket options next to an instance passed in, naming them", () => {
    const mine = rawSocket(loopbackOptions());
    expect(() => new MdnsDiscoveryProvider({ mdns: mine, port: 5353, interface: "127.0.0.1" })).toThrow(
      "leave out interface, port when passing an instance",
    );
  });
});
