import { MemoryDiscoveryProvider, MemoryNetwork } from "@tsakt/discovery";
import { runDiscoveryConformance } from "@tsakt/discovery/testing";

const network = new MemoryNetwork();

runDiscoveryConformance("memory", {
  create: () => new MemoryDiscoveryProvider({ network }),
  invalidConfigs: [
    { field: "network", create: () => new MemoryDiscoveryProvider({ network: {} as MemoryNetwork }) },
    { field: "network", create: () => new MemoryDiscoveryProvider(undefined as never) },
  ],
  restartBackend: () => network.restart(),
  settleMs: 1000,
});
