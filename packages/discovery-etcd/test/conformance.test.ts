import { runDiscoveryConformance } from "@tsakt/discovery/testing";
import { EtcdDiscoveryProvider } from "@tsakt/discovery-etcd";
import { type EtcdHandle, skipWithoutBinary, startEtcd } from "@tsakt/test-servers";
import { afterAll, beforeAll, describe } from "vitest";

describe.skipIf(skipWithoutBinary("etcd"))("etcd backend", () => {
  let etcd: EtcdHandle;
  beforeAll(async () => {
    etcd = await startEtcd();
  });
  afterAll(() => etcd?.stop());

  runDiscoveryConformance("etcd", {
    create: () => new EtcdDiscoveryProvider({ endpoints: etcd.endpoints, ttlSeconds: 5 }),
    restartBackend: () => etcd.restart(),
    invalidConfigs: [
      { field: "endpoints", create: () => new EtcdDiscoveryProvider({}) },
      { field: "endpoints", create: () => new EtcdDiscoveryProvider({ endpoints: [] }) },
      { field: "endpoints", create: () => new EtcdDiscoveryProvider({ endpoints: ["http://127.0.0.1: 2379"] }) },
      { field: "client", create: () => new EtcdDiscoveryProvider({ client: {} as never }) },
      { field: "prefix", create: () => new EtcdDiscoveryProvider({ endpoints: etcd.endpoints, prefix: "/nodes/" }) },
      { field: "clusterName", create: () => new EtcdDiscoveryProvider({ endpoints: etcd.endpoints, clusterName: "a/b" }) },
      { field: "ttlSeconds", create: () => new EtcdDiscoveryProvider({ endpoints: etcd.endpoints, ttlSeconds: 0 }) },
      { field: "ttlSeconds", create: () => new EtcdDiscoveryProvider({ endpoints: etcd.endpoints, ttlSeconds: 2.5 }) },
      { field: "dialTimeoutMs", create: () => new EtcdDiscoveryProvider({ endpoints: etcd.endpoints, dialTimeoutMs: -1 }) },
      { field: "requestTimeoutMs", create: () => new EtcdDiscoveryProvider({ endpoints: etcd.endpoints, requestTimeoutMs: 0 }) },
    ],
  });
});
