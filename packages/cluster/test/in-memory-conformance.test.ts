import { InMemoryClusterNetwork, runClusterTransportConformance } from "@tsakt/cluster/testing";

const network = new InMemoryClusterNetwork();
let port = 7000;

runClusterTransportConformance("in-memory", {
  create: (name) => network.transport({ name: `${name}-${port}`, host: "127.0.0.1", port: port++ }),
  settleMs: 500,
});
