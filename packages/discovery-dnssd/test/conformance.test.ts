import type { DiscoveryNode } from "@tsakt/discovery";
import { runDiscoveryConformance } from "@tsakt/discovery/testing";
import { DnsSdDiscoveryProvider } from "@tsakt/discovery-dnssd";
import { type DnsmasqHandle, skipWithoutBinary, startDnsmasq } from "@tsakt/test-servers";
import { afterAll, beforeAll, describe } from "vitest";
import { recordsFor } from "./fixtures/records.js";

// DNS is read-only for the provider, so the suite runs in its "configured peers" mode: the harness publishes each
// test's nodes in the real DNS server (as Kubernetes would for a service's pods) under a service name of their own.
describe.skipIf(skipWithoutBinary("dnsmasq"))("dnssd against dnsmasq", () => {
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

  runDiscoveryConformance("dnssd", {
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
