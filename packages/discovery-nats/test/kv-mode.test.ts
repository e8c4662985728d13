import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import type { DiscoveryNode } from "@tsakt/discovery";
import { runDiscoveryConformance } from "@tsakt/discovery/testing";
import { NatsDiscoveryProvider } from "@tsakt/discovery-nats";
import { type NatsServerHandle, nodeNames as names, skipWithoutBinary, spawnTsChild, startNatsServer } from "@tsakt/test-servers";
import { eventually, staysTrue } from "@tsakt/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const fixture = new URL("./fixtures/register-node.ts", import.meta.url).pathname;

describe.skipIf(skipWithoutBinary("nats-server"))("NATS KV mode against nats-server with JetStream", () => {
  let server: NatsServerHandle;
  beforeAll(async () => {
    server = await startNatsServer({ jetstream: true });
  });
  afterAll(() => server?.stop());

  runDiscoveryConformance("NATS JetStream KV", {
    create: () => new NatsDiscoveryProvider({ servers: server.url, mode: "kv", ttlMs: 5000, reconnectWaitMs: 200 }),
    restartBackend: () => server.restart(),
    settleMs: 8000,
    invalidConfigs: [
      { field: "mode", create: () => new NatsDiscoveryProvider({ servers: server.url, mode: "gossip" as never }) },
      { field: "bucket", create: () => new NatsDiscoveryProvider({ servers: server.url, mode: "kv", bucket: "nodes.v1" }) },
      { field: "clusterName", create: () => new NatsDiscoveryProvider({ servers: server.url, mode: "kv", clusterName: "blue:green" }) },
      { field: "ttlMs", create: () => new NatsDiscoveryProvider({ servers: server.url, mode: "kv", ttlMs: 0 }) },
    ],
  });

  it("drops a node whose process was killed once its entry's TTL runs out", async () => {
    const name = `kv-crashed-${process.pid}`;
    // A cluster of its own, so the bucket is created with the child's 1 s TTL rather than bound with another's.
    const child = spawnTsChild(fixture, [server.url, name, "kv", "crash"]);
    const observer = new NatsDiscoveryProvider({ servers: server.url, mode: "kv", clusterName: "crash" });
    try {
      await child.waitForLine(/^registered /);
      expect(names(await observer.discoverPeers())).toContain(name);
      await child.kill("SIGKILL");
      await eventually("the killed node to leave discovery", async () => !names(await observer.discoverPeers()).includes(name), {
        timeoutMs: 10_000,
        intervalMs: 50,
      });
    } finally {
      await child.kill();
      await observer.close();
    }
  });

  it("keeps the entry of a live node past its TTL by refreshing it", async () => {
    const self: DiscoveryNode = { name: `kv-alive-${process.pid}`, host: "127.0.0.1", port: 4100 };
    const registered = new NatsDiscoveryProvider({ servers: server.url, mode: "kv", clusterName: "refresh", ttlMs: 800 });
    const observer = new NatsDiscoveryProvider({ servers: server.url, mode: "kv", clusterName: "refresh" });
    try {
      await registered.register(self);
      // Real server time: the KV entry would expire after 800 ms without the refresh; watch it for more than two TTLs.
      await staysTrue("the entry to stay while refreshed", async () => expect(await observer.discoverPeers()).toEqual([self]), {
        timeoutMs: 2000,
        intervalMs: 100,
      });
    } finally {
      await registered.close();
      await observer.close();
    }
  });

  it("stores each node in the bucket named after the cluster", async () => {
    const self: DiscoveryNode = { name: "node/with spaces", host: "127.0.0.1", port: 4200 };
    const registered = new NatsDiscoveryProvider({ servers: server.url, mode: "kv", clusterName: "layout" });
    const nc = await connect({ servers: server.url });
    try {
      await registered.register(self);
      const kv = await new Kvm(nc).open("tsakt_discovery_layout");
      const keys: string[] = [];
      for await (const key of await kv.keys()) keys.push(key);
      expect(keys).toHaveLength(1);
      const entry = await kv.get(keys[0]!);
      expect(entry?.json()).toEqual(self);
    } finally {
      await registered.close();
      await nc.close();
    }
  });
});
