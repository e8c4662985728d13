import type { DiscoveryNode } from "@tsakt/discovery";
import { runDiscoveryConformance } from "@tsakt/discovery/testing";
import { DnsSdDiscoveryProvider } from "@tsakt/discovery-dnssd";
import { type DnsmasqHandle, skipWithoutBinary, startDnsmasq } from "@tsakt/test-servers";
import { afterAll, beforeAll, describe } from "vitest";
import { recordsFor } from "./fixtures/records.js";
import { ZoneOwnedProvider, ZoneOwner } from "./fixtures/zone-owner.js";

// DNS is read-only for the provider; whoever owns the zone publishes the nodes. The suite runs twice against a real
// dnsmasq: once with the zone owner publishing a node while it is registered (as a Ready pod is in its headless
// service), and once in the suite's "configured peers" mode with every test's nodes published up front.
describe.skipIf(skipWithoutBinary("dnsmasq"))("dnssd against dnsmasq, records published while a node is registered", () => {
  let dns: DnsmasqHandle;
  let owner: ZoneOwner;
  beforeAll(async () => {
    dns = await startDnsmasq();
    owner = new ZoneOwner(dns, "_tsakt._tcp.live.default.svc.cluster.local", "live.default.svc.cluster.local");
  });
  afterAll(() => dns?.stop());

  runDiscoveryConformance("dnssd (zone owner publishes)", {
    create: () =>
      new ZoneOwnedProvider(new DnsSdDiscoveryProvider({ serviceName: owner.serviceName, servers: [dns.server], timeoutMs: 2000 }), owner),
    restartBackend: () => dns.restart(),
    settleMs: 3000,
  });
});

describe.skipIf(skipWithoutBinary("dnsmasq"))("dnssd against dnsmasq, records published up front", () => {
  let dns: DnsmasqHandle;
  // node name → the service it is published under
  const serviceOf = new Map<string, { serviceName: string; zone: string }>();
  let zones = 0;
  beforeAll(async () => {
    dns = await startDnsmasq();
  });
  afterAll(() => dns?.stop());

  // The nodes of one test share a service; a node created later in the test (as after the restart) joins its peers'
  // service, the way a new pod joins its headless service.
  async function serviceFor(nodes: DiscoveryNode[]): Promise<string> {
    const service = nodes.map((n) => serviceOf.get(n.name)).find((s) => s !== undefined) ?? {
      zone: `conf-${zones}.default.svc.cluster.local`,
      serviceName: `_tsakt._tcp.conf-${zones++}.default.svc.cluster.local`,
    };
    const missing = nodes.filter((n) => !serviceOf.has(n.name));
    if (missing.length > 0) {
      for (const node of missing) serviceOf.set(node.name, service);
      const current = dns.records;
      const added = recordsFor(service.serviceName, service.zone, missing);
      await dns.setRecords({
        srv: [...current.srv!, ...added.srv!],
        addresses: [...current.addresses!, ...added.addresses!],
        txt: [...current.txt!, ...added.txt!],
      });
    }
    return service.serviceName;
  }

  runDiscoveryConformance("dnssd (configured peers)", {
    create: async ({ nodes }) =>
      new DnsSdDiscoveryProvider({ serviceName: await serviceFor(nodes), servers: [dns.server], timeoutMs: 2000 }),
    dynamic: false,
    restartBackend: () => dns.restart(),
    settleMs: 3000,
    invalidConfigs: [
      { field: "serviceName", create: () => new DnsSdDiscoveryProvider({} as never) },
      { field: "serviceName", create: () => new DnsSdDiscoveryProvider({ serviceName: "_tsakt._tcp..cluster.local" }) },
      { field: "serviceName", create: () => new DnsSdDiscoveryProvider({ serviceName: "web.default.svc", mode: "dns-sd" }) },
      { field: "mode", create: () => new DnsSdDiscoveryProvider({ serviceName: "_tsakt._tcp.a.test", mode: "mdns" as never }) },
      { field: "servers", create: () => new DnsSdDiscoveryProvider({ serviceName: "_tsakt._tcp.a.test", servers: [] }) },
      {
        field: "servers[1]",
        create: () => new DnsSdDiscoveryProvider({ serviceName: "_tsakt._tcp.a.test", servers: ["127.0.0.1", "dns.local:53"] }),
      },
      { field: "family", create: () => new DnsSdDiscoveryProvider({ serviceName: "_tsakt._tcp.a.test", family: "v4" as never }) },
      { field: "readTxt", create: () => new DnsSdDiscoveryProvider({ serviceName: "_tsakt._tcp.a.test", readTxt: "yes" as never }) },
      { field: "timeoutMs", create: () => new DnsSdDiscoveryProvider({ serviceName: "_tsakt._tcp.a.test", timeoutMs: 0 }) },
      { field: "queryTimeoutMs", create: () => new DnsSdDiscoveryProvider({ serviceName: "_tsakt._tcp.a.test", queryTimeoutMs: 1.5 }) },
      { field: "tries", create: () => new DnsSdDiscoveryProvider({ serviceName: "_tsakt._tcp.a.test", tries: -1 }) },
    ],
  });
});
