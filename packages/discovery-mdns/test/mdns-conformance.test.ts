import { runDiscoveryConformance } from "@tsakt/discovery/testing";
import { MdnsDiscoveryProvider } from "@tsakt/discovery-mdns";
import { loopbackOptions } from "./loopback.js";

const socket = loopbackOptions();

runDiscoveryConformance("mdns", {
  create: () => new MdnsDiscoveryProvider({ ...socket, ttlSeconds: 5, queryIntervalMs: 250 }),
  settleMs: 4000,
  invalidConfigs: [
    { field: "serviceName", create: () => new MdnsDiscoveryProvider({ ...socket, serviceName: "tsakt.local" }) },
    { field: "interface", create: () => new MdnsDiscoveryProvider({ ...socket, interface: "lo" }) },
    { field: "bind", create: () => new MdnsDiscoveryProvider({ ...socket, bind: "not-an-ip" }) },
    { field: "port", create: () => new MdnsDiscoveryProvider({ ...socket, port: 70_000 }) },
    { field: "ttlSeconds", create: () => new MdnsDiscoveryProvider({ ...socket, ttlSeconds: 0 }) },
    { field: "queryIntervalMs", create: () => new MdnsDiscoveryProvider({ ...socket, ttlSeconds: 2, queryIntervalMs: 2000 }) },
    { field: "mdns", create: () => new MdnsDiscoveryProvider({ mdns: {} as never }) },
  ],
});
