import { createSocket } from "node:dgram";
import type { DiscoveryNode } from "@tsakt/discovery";
import { DnsQueryError, type DnsSdDiscoveryOptions, DnsSdDiscoveryProvider } from "@tsakt/discovery-dnssd";
import { type DnsmasqHandle, skipWithoutBinary, startDnsmasq } from "@tsakt/test-servers";
import { eventually } from "@tsakt/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { recordsFor } from "./fixtures/records.js";

// A StatefulSet "web" in namespace "default" with a headless service whose port is named "tsakt".
const zone = "web.default.svc.cluster.local";
const serviceName = `_tsakt._tcp.${zone}`;
const nodes: DiscoveryNode[] = [
  { name: "web-0", host: "127.0.0.1", port: 4000, roles: ["api"], meta: { zone: "a" } },
  { name: "web-1", host: "127.0.0.1", port: 4001, roles: ["api", "worker"], meta: { zone: "b" } },
  { name: "web-2", host: "127.0.0.1", port: 4002, roles: ["worker"], meta: { zone: "a" } },
];

describe.skipIf(skipWithoutBinary("dnsmasq"))("DnsSdDiscoveryProvider against a real dnsmasq", () => {
  let dns: DnsmasqHandle;
  const providers: DnsSdDiscoveryProvider[] = [];
  beforeAll(async () => {
    dns = await startDnsmasq();
  });
  afterEach(async () => {
    await Promise.all(providers.splice(0).map((p) => p.close()));
  });
  afterAll(() => dns?.stop());

  function provider(options: Partial<DnsSdDiscoveryOptions> = {}): DnsSdDiscoveryProvider {
    const made = new DnsSdDiscoveryProvider({ serviceName, servers: [dns.server], timeoutMs: 3000, ...options });
    providers.push(made);
    return made;
  }

  describe("SRV records, as a Kubernetes headless service publishes them", () => {
    it("discovers 3 nodes with their names, addresses, roles and meta", async () => {
      await dns.setRecords(recordsFor(serviceName, zone, nodes));
      const peers = await provider().discoverPeers();
      expect(byName(peers)).toEqual(nodes);
    });

    it("leaves out the registered node and notices a node removed from DNS", async () => {
      await dns.setRecords(recordsFor(serviceName, zone, nodes));
      const discovery = provider();
      await discovery.register(nodes[0]!);
      expect(names(await discovery.discoverPeers())).toEqual(["web-1", "web-2"]);

      expect(await dns.setRecords(recordsFor(serviceName, zone, nodes.slice(0, 2)))).toBe("restarted");
      await eventually(
        "the removed record to leave discovery",
        async () => sameNames(await discovery.discoverPeers().catch(() => []), ["web-1"]),
        { intervalMs: 50 },
      );
    });

    it("notices a node's new address after the server re-reads its hosts file", async () => {
      await dns.setRecords(recordsFor(serviceName, zone, nodes));
      const discovery = provider();
      const moved = recordsFor(serviceName, zone, nodes);
      moved.addresses![1]!.address = "127.0.0.2";
      expect(await dns.setRecords(moved)).toBe("reloaded");
      const peers = await discovery.discoverPeers();
      expect(peers.find((p) => p.name === "web-1")?.host).toBe("127.0.0.2");
    });

    it("names nodes after the SRV target and port when there is no TXT record, and leaves out self by target or address", async () => {
      await dns.setRecords(recordsFor(serviceName, zone, nodes, { txt: false }));
      const discovery = provider();
      expect(names(await discovery.discoverPeers()).sort()).toEqual([`web-0.${zone}:4000`, `web-1.${zone}:4001`, `web-2.${zone}:4002`]);
      expect((await discovery.discoverPeers())[0]).not.toHaveProperty("roles");

      // A pod registers with its own name and its DNS name (StatefulSet) or its IP: either way it is left out.
      await discovery.register({ name: "web-0", host: `WEB-0.${zone}.`, port: 4000 });
      expect(names(await discovery.discoverPeers()).sort()).toEqual([`web-1.${zone}:4001`, `web-2.${zone}:4002`]);
      await discovery.register({ name: "web-1", host: "127.0.0.1", port: 4001 });
      expect(names(await discovery.discoverPeers()).sort()).toEqual([`web-0.${zone}:4000`, `web-2.${zone}:4002`]);
    });

    it("skips TXT lookups when readTxt is false", async () => {
      await dns.setRecords(recordsFor(serviceName, zone, nodes));
      expect(names(await provider({ readTxt: false }).discoverPeers()).sort()).toEqual([
        `web-0.${zone}:4000`,
        `web-1.${zone}:4001`,
        `web-2.${zone}:4002`,
      ]);
    });

    it("ignores a target's TXT name when several SRV records share that target", async () => {
      const shared = `host.${zone}`;
      await dns.setRecords({
        srv: [
          { name: serviceName, target: shared, port: 4000 },
          { name: serviceName, target: shared, port: 4001 },
        ],
        addresses: [{ name: shared, address: "127.0.0.1" }],
        txt: [{ name: shared, values: ["name=ambiguous"] }],
      });
      expect(names(await provider().discoverPeers()).sort()).toEqual([`${shared}:4000`, `${shared}:4001`]);
    });

    it("skips a target that has no address and resolves IPv6 targets by family", async () => {
      await dns.setRecords({
        srv: [
          { name: serviceName, target: `v4.${zone}`, port: 4000 },
          { name: serviceName, target: `v6.${zone}`, port: 4001 },
          { name: serviceName, target: `gone.${zone}`, port: 4002 },
        ],
        addresses: [
          { name: `v4.${zone}`, address: "127.0.0.1" },
          { name: `v6.${zone}`, address: "::1" },
        ],
      });
      const hosts = async (options: Partial<DnsSdDiscoveryOptions>): Promise<string[]> =>
        (await provider(options).discoverPeers()).map((p) => `${p.port}@${p.host}`).sort();
      expect(await hosts({})).toEqual(["4000@127.0.0.1", "4001@::1"]);
      expect(await hosts({ family: "ipv4" })).toEqual(["4000@127.0.0.1"]);
      expect(await hosts({ family: "ipv6" })).toEqual(["4001@::1"]);
    });

    it("returns no peers when the service name does not exist", async () => {
      await dns.setRecords(recordsFor(serviceName, zone, nodes));
      expect(await provider({ serviceName: `_tsakt._tcp.nothing.default.svc.cluster.local` }).discoverPeers()).toEqual([]);
    });
  });

  describe("DNS-SD (RFC 6763): PTR, then SRV and TXT per instance", () => {
    const type = "_tsakt._tcp.example.test";

    it("discovers 3 instances, names one without TXT after its instance label, and skips a PTR whose instance is gone", async () => {
      const instance = (label: string): string => `${label}.${type}`;
      await dns.setRecords({
        ptr: ["node-a", "node-b", "node-c", "stale"].map((label) => ({ name: type, target: instance(label) })),
        srv: [
          { name: instance("node-a"), target: "a.example.test", port: 5000 },
          { name: instance("node-b"), target: "b.example.test", port: 5001 },
          { name: instance("node-c"), target: "c.example.test", port: 5002 },
        ],
        txt: [
          { name: instance("node-a"), values: ["name=alpha", "roles=api", "txtvers=1"] },
          { name: instance("node-b"), values: ["name=beta"] },
        ],
        addresses: [
          { name: "a.example.test", address: "127.0.0.1" },
          { name: "b.example.test", address: "127.0.0.2" },
          { name: "c.example.test", address: "127.0.0.3" },
        ],
      });
      const discovery = provider({ serviceName: type, mode: "dns-sd" });
      expect(byName(await discovery.discoverPeers())).toEqual([
        { name: "alpha", host: "127.0.0.1", port: 5000, roles: ["api"], meta: { txtvers: "1" } },
        { name: "beta", host: "127.0.0.2", port: 5001 },
        { name: "node-c", host: "127.0.0.3", port: 5002 },
      ]);
      await discovery.register({ name: "beta", host: "127.0.0.2", port: 5001 });
      expect(names(await discovery.discoverPeers()).sort()).toEqual(["alpha", "node-c"]);
    });
  });

  describe("when DNS fails", () => {
    it("rejects with DiscoveryUnavailableError (cause: DnsQueryError ECONNREFUSED) while the server is down, and recovers after", async () => {
      await dns.setRecords(recordsFor(serviceName, zone, nodes));
      const discovery = provider();
      await dns.kill();
      const error = await discovery.discoverPeers().catch((e: unknown) => e);
      expect(error).toMatchObject({ name: "DiscoveryUnavailableError", code: "DiscoveryUnavailable" });
      const cause = (error as Error).cause;
      expect(cause).toBeInstanceOf(DnsQueryError);
      expect(cause).toMatchObject({
        code: "DnsQueryFailed",
        dnsCode: "ECONNREFUSED",
        recordType: "SRV",
        query: serviceName,
        servers: [dns.server],
      });
      expect((error as Error).message).toContain(dns.server);

      await dns.restart();
      expect(names(await discovery.discoverPeers()).sort()).toEqual(["web-0", "web-1", "web-2"]);
    });

    it("rejects with EREFUSED when the server does not serve the zone", async () => {
      const error = await provider({ serviceName: "_tsakt._tcp.web.default.svc.elsewhere" })
        .discoverPeers()
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "DiscoveryUnavailable", cause: { dnsCode: "EREFUSED" } });
    });
  });
});

// A UDP socket that reads queries and never answers: a DNS server that hangs, or packets lost on the way.
describe("DnsSdDiscoveryProvider against a DNS server that never answers", () => {
  const silent = createSocket("udp4");
  let received = 0;
  let server = "";
  beforeAll(async () => {
    silent.on("message", () => received++);
    await new Promise<void>((resolve) => silent.bind(0, "127.0.0.1", () => resolve()));
    server = `127.0.0.1:${silent.address().port}`;
  });
  afterAll(() => silent.close());

  it("rejects once timeoutMs runs out, with a DnsQueryError saying so", async () => {
    const discovery = new DnsSdDiscoveryProvider({ serviceName, servers: [server], timeoutMs: 300, queryTimeoutMs: 5000 });
    const error = await discovery.discoverPeers().catch((e: unknown) => e);
    await discovery.close();
    expect(error).toMatchObject({ code: "DiscoveryUnavailable", cause: { dnsCode: "ETIMEOUT", recordType: "SRV" } });
    expect((error as Error).message).toMatch(/within timeoutMs \(300 ms\)/);
    expect(received).toBeGreaterThan(0);
  });

  it("rejects with ETIMEOUT when the resolver's own tries run out first", async () => {
    const discovery = new DnsSdDiscoveryProvider({ serviceName, servers: [server], timeoutMs: 20_000, queryTimeoutMs: 100, tries: 1 });
    const error = await discovery.discoverPeers().catch((e: unknown) => e);
    await discovery.close();
    expect(error).toMatchObject({ code: "DiscoveryUnavailable", cause: { dnsCode: "ETIMEOUT" } });
    expect((error as Error).message).toMatch(/no answer in time/);
  });

  it("ends a query in flight on close(): the call rejects with ProviderClosedError, and `await using` closes too", async () => {
    let pending: Promise<unknown>;
    {
      await using discovery = new DnsSdDiscoveryProvider({ serviceName, servers: [server], timeoutMs: 20_000 });
      pending = discovery.discoverPeers().catch((e: unknown) => e);
      await eventually("the server to receive the query", async () => received > 0, { intervalMs: 50 });
    }
    expect(await pending).toMatchObject({ name: "ProviderClosedError", code: "ProviderClosed" });
  });
});

function names(peers: DiscoveryNode[]): string[] {
  return peers.map((p) => p.name);
}

function byName(peers: DiscoveryNode[]): DiscoveryNode[] {
  return [...peers].sort((a, b) => a.name.localeCompare(b.name));
}

function sameNames(peers: DiscoveryNode[], expected: string[]): boolean {
  return JSON.stringify(names(peers).sort()) === JSON.stringify([...expected].sort());
}
