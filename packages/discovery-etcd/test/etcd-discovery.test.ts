import { DiscoveryUnavailableError } from "@tsakt/discovery";
import { type EtcdDiscoveryOptions, EtcdDiscoveryProvider } from "@tsakt/discovery-etcd";
import {
  type EtcdHandle,
  freePort,
  nodeNames as names,
  testNode as node,
  skipWithoutBinary,
  spawnTsChild,
  startEtcd,
  uniqueName as unique,
} from "@tsakt/test-servers";
import { eventually } from "@tsakt/testkit";
import { Etcd3 } from "etcd3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

const fixture = new URL("./fixtures/register-node.ts", import.meta.url).pathname;

describe.skipIf(skipWithoutBinary("etcd"))("EtcdDiscoveryProvider against etcd", () => {
  let etcd: EtcdHandle;
  let admin: Etcd3;
  const providers: EtcdDiscoveryProvider[] = [];

  beforeAll(async () => {
    etcd = await startEtcd();
    admin = new Etcd3({ hosts: etcd.endpoints });
  });
  afterEach(async () => {
    await Promise.all(providers.splice(0).map((p) => p.close()));
  });
  afterAll(async () => {
    admin?.close();
    await etcd?.stop();
  });

  function provider(options: Omit<EtcdDiscoveryOptions, "endpoints" | "client"> = {}): EtcdDiscoveryProvider {
    const made = new EtcdDiscoveryProvider({ endpoints: etcd.endpoints, ...options });
    providers.push(made);
    return made;
  }

  it("stores the node as JSON at <prefix>/<name> on a lease with the configured TTL", async () => {
    const self = node("stored");
    await provider({ clusterName: "layout", ttlSeconds: 7 }).register(self);
    const response = await admin.get(`/tsakt/discovery/layout/${self.name}`).exec();
    const kv = response.kvs[0];
    expect(JSON.parse(kv?.value.toString("utf8") ?? "null")).toEqual(self);
    expect(kv?.lease).not.toBe("0");
    const lease = await admin.leaseClient.leaseTimeToLive({ ID: kv?.lease ?? "0" });
    expect(Number(lease.grantedTTL)).toBe(7);
  });

  it("drops a node whose process was killed once its lease TTL runs out", async () => {
    const name = unique("crashed");
    const child = spawnTsChild(fixture, [etcd.url, name, "crash"]);
    try {
      await child.waitForLine(/^registered /);
      const observer = provider({ clusterName: "crash" });
      expect(names(await observer.discoverPeers())).toContain(name);
      await child.kill("SIGKILL");
      await eventually("the killed node to leave discovery", async () => !names(await observer.discoverPeers()).includes(name), {
        timeoutMs: 10_000,
        intervalMs: 50,
      });
    } finally {
      await child.kill();
    }
  });

  it("grants a new lease and puts the key again when etcd revokes the lease", async () => {
    const self = node("revoked");
    const key = `/tsakt/discovery/lost/${self.name}`;
    await provider({ clusterName: "lost", ttlSeconds: 3 }).register(self);
    const before = (await admin.get(key).exec()).kvs[0]?.lease ?? "0";
    await admin.leaseClient.leaseRevoke({ ID: before });
    expect(await admin.get(key).string()).toBeNull();
    const observer = provider({ clusterName: "lost" });
    await eventually("the node to be advertised again", async () => names(await observer.discoverPeers()).includes(self.name), {
      timeoutMs: 10_000,
      intervalMs: 50,
    });
    const after = (await admin.get(key).exec()).kvs[0]?.lease;
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
  });

  it("uses a client passed in and leaves it open on close()", async () => {
    const client = new Etcd3({ hosts: etcd.endpoints });
    try {
      const shared = new EtcdDiscoveryProvider({ client, clusterName: "shared" });
      const self = node("shared");
      await shared.register(self);
      expect(names(await provider({ clusterName: "shared" }).discoverPeers())).toEqual([self.name]);
      await shared.close();
      expect(await client.get(`/tsakt/discovery/shared/${self.name}`).string()).toBeNull();
      await client.put("/tsakt-test/still-open").value("yes");
      expect(await client.get("/tsakt-test/still-open").string()).toBe("yes");
    } finally {
      client.close();
    }
  });

  it("keeps clusters apart by prefix and skips values that are not nodes", async () => {
    const self = node("custom");
    await provider({ prefix: "/apps/tsakt/nodes" }).register(self);
    await admin.put("/apps/tsakt/nodes/junk").value("not json");
    await admin.put("/apps/tsakt/nodes/half").value(JSON.stringify({ name: "half", host: "127.0.0.1" }));
    expect(await provider({ prefix: "/apps/tsakt/nodes" }).discoverPeers()).toEqual([self]);
    expect(names(await provider({ prefix: "/apps/tsakt/node" }).discoverPeers())).toEqual([]);
  });

  it("rejects with DiscoveryUnavailableError when etcd cannot be reached, and can be closed afterwards", async () => {
    const nowhere = new EtcdDiscoveryProvider({
      endpoints: `http://127.0.0.1:${await freePort()}`,
      dialTimeoutMs: 500,
      requestTimeoutMs: 1000,
    });
    const failure = await nowhere.discoverPeers().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DiscoveryUnavailableError);
    expect((failure as DiscoveryUnavailableError).cause).toBeDefined();
    await expect(nowhere.register(node("lonely"))).rejects.toBeInstanceOf(DiscoveryUnavailableError);
    await expect(nowhere.close()).resolves.toBeUndefined();
  });
});

describe.skipIf(skipWithoutBinary("etcd"))("EtcdDiscoveryProvider across an etcd outage longer than the TTL", () => {
  let etcd: EtcdHandle;
  beforeAll(async () => {
    etcd = await startEtcd();
  });
  afterAll(() => etcd?.stop());

  it("advertises the node again under a new lease once etcd is back", async () => {
    const self = node("outlived");
    const key = `/tsakt/discovery/tsakt/${self.name}`;
    // The provider's own client, with its leases observed: the test waits for the "lost" event the provider reacts to.
    const client = new Etcd3({ hosts: etcd.endpoints, dialTimeout: 500 });
    let leasesLost = 0;
    const lease = client.lease.bind(client);
    client.lease = ((ttl, options) => lease(ttl, options).on("lost", () => void leasesLost++)) as typeof client.lease;
    const registered = new EtcdDiscoveryProvider({ client, ttlSeconds: 1, requestTimeoutMs: 1000 });
    const observer = new EtcdDiscoveryProvider({ endpoints: etcd.endpoints, dialTimeoutMs: 500, requestTimeoutMs: 1000 });
    const admin = new Etcd3({ hosts: etcd.endpoints });
    try {
      await registered.register(self);
      const original = (await admin.get(key).exec()).kvs[0]?.lease;
      expect(original).toBeDefined();
      await etcd.kill();
      await expect(observer.discoverPeers()).rejects.toBeInstanceOf(DiscoveryUnavailableError);
      // etcd's clock cannot be driven: wait (real time, about twice the TTL) until the client gives the lease up as lost.
      await eventually("the client to give the lease up as lost", () => leasesLost > 0, { timeoutMs: 10_000 });
      await etcd.restart();
      const leaseOfKey = async (): Promise<string | undefined> =>
        (
          await admin
            .get(key)
            .exec()
            .catch(() => undefined)
        )?.kvs[0]?.lease;
      await eventually("the key to move to a new lease", async () => ((await leaseOfKey()) ?? original) !== original, {
        timeoutMs: 15_000,
        intervalMs: 50,
      });
      expect(names(await observer.discoverPeers())).toContain(self.name);
    } finally {
      admin.close();
      await registered.close();
      await observer.close();
      client.close();
    }
  });
});
