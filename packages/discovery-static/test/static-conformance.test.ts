import { runDiscoveryConformance } from "@tsakt/discovery/testing";
import { StaticDiscoveryProvider } from "@tsakt/discovery-static";

runDiscoveryConformance("static", {
  create: ({ nodes }) => new StaticDiscoveryProvider({ peers: nodes }),
  dynamic: false,
  settleMs: 1000,
  invalidConfigs: [
    { field: "peers", create: () => new StaticDiscoveryProvider({ peers: "127.0.0.1:4000" as never }) },
    { field: "peers", create: () => new StaticDiscoveryProvider(undefined as never) },
    { field: "peers[2]", create: () => new StaticDiscoveryProvider({ peers: ["127.0.0.1:4000", "127.0.0.1:4001", "127.0.0.1"] }) },
    {
      field: "peers[1].port",
      create: () => new StaticDiscoveryProvider({ peers: ["127.0.0.1:4000", { name: "b", host: "127.0.0.1", port: 0 }] }),
    },
    { field: "peers[1]", create: () => new StaticDiscoveryProvider({ peers: ["127.0.0.1:4000", "127.0.0.1:4000"] }) },
  ],
});
