import { runDiscoveryConformance } from "@tsakt/discovery/testing";
import { NatsDiscoveryProvider } from "@tsakt/discovery-nats";
import { type NatsServerHandle, skipWithoutBinary, startNatsServer } from "@tsakt/test-servers";
import { afterAll, beforeAll, describe } from "vitest";

describe.skipIf(skipWithoutBinary("nats-server"))("nats-server backend", () => {
  let server: NatsServerHandle;
  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterAll(() => server?.stop());

  runDiscoveryConformance("NATS request/reply", {
    create: () => new NatsDiscoveryProvider({ servers: server.url, timeoutMs: 150, reconnectWaitMs: 200 }),
    restartBackend: () => server.restart(),
    invalidConfigs: [
      { field: "servers", create: () => new NatsDiscoveryProvider({}) },
      { field: "servers", create: () => new NatsDiscoveryProvider({ servers: [] }) },
      { field: "servers", create: () => new NatsDiscoveryProvider({ servers: [""] }) },
      { field: "connection", create: () => new NatsDiscoveryProvider({ connection: {} as never }) },
      { field: "subject", create: () => new NatsDiscoveryProvider({ servers: server.url, subject: "tsakt.*.nodes" }) },
      { field: "subject", create: () => new NatsDiscoveryProvider({ servers: server.url, subject: "tsakt..nodes" }) },
      { field: "clusterName", create: () => new NatsDiscoveryProvider({ servers: server.url, clusterName: "a.b" }) },
      { field: "timeoutMs", create: () => new NatsDiscoveryProvider({ servers: server.url, timeoutMs: 0 }) },
      { field: "connectTimeoutMs", create: () => new NatsDiscoveryProvider({ servers: server.url, connectTimeoutMs: -5 }) },
      { field: "reconnectWaitMs", create: () => new NatsDiscoveryProvider({ servers: server.url, reconnectWaitMs: Number.NaN }) },
    ],
  });
});
