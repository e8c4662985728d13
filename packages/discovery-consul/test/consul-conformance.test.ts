import { runDiscoveryConformance } from "@tsakt/discovery/testing";
import { ConsulDiscoveryProvider } from "@tsakt/discovery-consul";
import Consul from "consul";
import { afterAll, beforeAll } from "vitest";
import { type ConsulBackend, realConsul, startConsulBackend, uniqueServiceName } from "./consul-backend.js";

let backend: ConsulBackend;
beforeAll(async () => {
  backend = await startConsulBackend();
});
afterAll(async () => {
  await backend.stop();
});

for (const watch of [false, true]) {
  const serviceName = uniqueServiceName();
  runDiscoveryConformance(watch ? "consul (blocking-query watch)" : "consul", {
    // A 3 s TTL means a heartbeat every second, so a restarted agent relearns every node within the settle time.
    create: () => new ConsulDiscoveryProvider({ ...backend.options, serviceName, ttlSeconds: 3, watch, waitSeconds: 5 }),
    invalidConfigs: [
      { field: "ttlSeconds", create: () => new ConsulDiscoveryProvider({ ttlSeconds: 0.5 }) },
      { field: "port", create: () => new ConsulDiscoveryProvider({ port: 70_000 }) },
      { field: "serviceName", create: () => new ConsulDiscoveryProvider({ serviceName: "a/b" }) },
      { field: "waitSeconds", create: () => new ConsulDiscoveryProvider({ waitSeconds: 601 }) },
      { field: "token", create: () => new ConsulDiscoveryProvider({ token: "" }) },
      { field: "client", create: () => new ConsulDiscoveryProvider({ client: {} as Consul }) },
      { field: "host", create: () => new ConsulDiscoveryProvider({ client: new Consul(), host: "10.0.0.1" }) },
      { field: "ttl", create: () => new ConsulDiscoveryProvider({ ttl: 10 } as never) },
    ],
    // A real agent cannot be restarted from a test; the fake restarts on the same port with its state lost.
    ...(realConsul ? {} : { restartBackend: () => backend.fake!.restart() }),
  });
}
