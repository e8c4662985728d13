import { Resolver } from "node:dns/promises";
import { existsSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { type DnsmasqHandle, type DnsRecords, skipWithoutBinary, startDnsmasq } from "../src/index.js";

const service = "_tsakt._tcp.web.default.svc.cluster.local";
const records: DnsRecords = {
  srv: [
    { name: service, target: "web-0.web.default.svc.cluster.local", port: 4000 },
    { name: service, target: "web-1.web.default.svc.cluster.local", port: 4001, priority: 1, weight: 5 },
  ],
  addresses: [
    { name: "web-0.web.default.svc.cluster.local", address: "127.0.0.10" },
    { name: "web-1.web.default.svc.cluster.local", address: "::1" },
  ],
  txt: [{ name: "web-0.web.default.svc.cluster.local", values: ["name=web-0", 'note=a, "quoted" #value'] }],
  ptr: [{ name: "_tsakt._tcp.example.test", target: "web-0._tsakt._tcp.example.test" }],
};

describe.skipIf(skipWithoutBinary("dnsmasq"))("startDnsmasq", () => {
  let dns: DnsmasqHandle | undefined;
  afterAll(() => dns?.stop());

  it("serves SRV, A, AAAA, TXT and PTR records on a loopback port", async () => {
    dns = await startDnsmasq({ records });
    expect(dns.server).toBe(`127.0.0.1:${dns.port}`);
    const r = resolver(dns);
    const srv = await r.resolveSrv(service);
    expect(srv.map((s) => `${s.name}:${s.port}/${s.priority}/${s.weight}`).sort()).toEqual([
      "web-0.web.default.svc.cluster.local:4000/0/0",
      "web-1.web.default.svc.cluster.local:4001/1/5",
    ]);
    expect(await r.resolve4("web-0.web.default.svc.cluster.local")).toEqual(["127.0.0.10"]);
    expect(await r.resolve6("web-1.web.default.svc.cluster.local")).toEqual(["::1"]);
    expect(await r.resolveTxt("web-0.web.default.svc.cluster.local")).toEqual([["name=web-0", 'note=a, "quoted" #value']]);
    expect(await r.resolvePtr("_tsakt._tcp.example.test")).toEqual(["web-0._tsakt._tcp.example.test"]);
  });

  it("answers NXDOMAIN for an unknown name in a local domain", async () => {
    await expect(resolver(dns!).resolveSrv("_other._tcp.web.default.svc.cluster.local")).rejects.toMatchObject({ code: "ENOTFOUND" });
  });

  it("reloads an address change with SIGHUP, keeping the process", async () => {
    const pid = dns!.pid;
    const moved = { ...records, addresses: [{ name: "web-0.web.default.svc.cluster.local", address: "127.0.0.11" }] };
    expect(await dns!.setRecords(moved)).toBe("reloaded");
    expect(dns!.pid).toBe(pid);
    expect(await resolver(dns!).resolve4("web-0.web.default.svc.cluster.local")).toEqual(["127.0.0.11"]);
    expect(dns!.logs()).toMatch(/read .*hosts/);
  });

  it("restarts on the same port to apply an SRV change, since dnsmasq never re-reads its config file", async () => {
    const pid = dns!.pid;
    const port = dns!.port;
    expect(await dns!.setRecords({ ...dns!.records, srv: records.srv!.slice(0, 1) })).toBe("restarted");
    expect(dns!.pid).not.toBe(pid);
    expect(dns!.port).toBe(port);
    expect((await resolver(dns!).resolveSrv(service)).map((s) => s.name)).toEqual(["web-0.web.default.svc.cluster.local"]);
  });

  it("stores records while down and serves them after restart(); stop() removes its data dir", async () => {
    await dns!.kill();
    expect(await dns!.setRecords({ srv: [{ name: service, target: "web-2.web.default.svc.cluster.local", port: 4002 }] })).toBe("stored");
    await dns!.restart();
    expect((await resolver(dns!).resolveSrv(service)).map((s) => s.port)).toEqual([4002]);
    await dns!.stop();
    expect(existsSync(dns!.dataDir)).toBe(false);
  });

  it("rejects a record it could not serve with an error naming it", async () => {
    await expect(startDnsmasq({ records: { srv: [{ name: "bad name", target: "x.test", port: 1 }] } })).rejects.toThrow(/srv\[0\]\.name/);
    await expect(startDnsmasq({ records: { addresses: [{ name: "x.test", address: "not-an-ip" }] } })).rejects.toThrow(
      /addresses\[0\]\.address/,
    );
  });
});

function resolver(dns: DnsmasqHandle): Resolver {
  const r = new Resolver({ timeout: 1000, tries: 2 });
  r.setServers([dns.server]);
  return r;
}
