import { connect, type NatsConnection } from "@nats-io/transport-node";
import { DiscoveryUnavailableError } from "@tsakt/discovery";
import { type NatsDiscoveryOptions, NatsDiscoveryProvider } from "@tsakt/discovery-nats";
import {
  freePort,
  type NatsServerHandle,
  nodeNames as names,
  testNode as node,
  skipWithoutBinary,
  spawnTsChild,
  startNatsServer,
  uniqueName as unique,
} from "@tsakt/test-servers";
import { eventually } from "@tsakt/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

const fixture = new URL("./fixtures/register-node.ts", import.meta.url).pathname;

describe.skipIf(skipWithoutBinary("nats-server"))("NatsDiscoveryProvider against nats-server", () => {
  let server: NatsServerHandle;
  const providers: NatsDiscoveryProvider[] = [];
  const connections: NatsConnection[] = [];

  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterEach(async () => {
    await Promise.all(providers.splice(0).map((p) => p.close()));
    await Promise.all(connections.splice(0).map((nc) => nc.close()));
  });
  afterAll(() => server?.stop());

  function provider(options: Partial<NatsDiscoveryOptions> = {}): NatsDiscoveryProvider {
    const made = new NatsDiscoveryProvider({ servers: server.url, timeoutMs: 150, ...options });
    providers.push(made);
    return made;
  }

  async function connection(): Promise<NatsConnection> {
    const nc = await connect({ servers: server.url });
    connections.push(nc);
    return nc;
  }

  it("stops listing a node whose process was killed, without any deregister", async () => {
    const name = unique("crashed");
    const child = spawnTsChild(fixture, [server.url, name]);
    try {
      await child.waitForLine(/^registered /);
      const observer = provider();
      expect(names(await observer.discoverPeers())).toContain(name);
      await child.kill("SIGKILL");
      await eventually("the killed node to leave discovery", async () => !names(await observer.discoverPeers()).includes(name), {
        intervalMs: 50,
      });
    } finally {
      await child.kill();
    }
  });

  it("stops listing a node whose connection closed without deregister", async () => {
    const nc = await connection();
    const doomed = new NatsDiscoveryProvider({ connection: nc });
    const self = node("dropped");
    await doomed.register(self);
    const observer = provider();
    expect(names(await observer.discoverPeers())).toContain(self.name);
    await nc.close();
    expect(names(await observer.discoverPeers())).not.toContain(self.name);
  });

  it("uses a connection passed in and leaves it open on close()", async () => {
    const nc = await connection();
    const shared = new NatsDiscoveryProvider({ connection: nc, timeoutMs: 150 });
    const self = node("shared");
    await shared.register(self);
    expect(names(await provider().discoverPeers())).toContain(self.name);
    await shared.close();
    expect(nc.isClosed()).toBe(false);
    await nc.flush();
    expect(names(await provider().discoverPeers())).not.toContain(self.name);
  });

  it("answers with the node given to the latest register()", async () => {
    const moving = provider();
    const first = node("moving");
    await moving.register(first);
    await moving.register({ ...first, port: first.port + 1, roles: ["worker"], meta: { zone: "b" } });
    const peers = await provider().discoverPeers();
    expect(peers.filter((p) => p.name === first.name)).toEqual([
      { ...first, port: first.port + 1, roles: ["worker"], meta: { zone: "b" } },
    ]);
  });

  it("keeps clusters apart by clusterName and by subject", async () => {
    const red = node("red");
    const blue = node("blue");
    await provider({ clusterName: "red" }).register(red);
    await provider({ subject: "custom.blue.discovery" }).register(blue);
    expect(names(await provider({ clusterName: "red" }).discoverPeers())).toEqual([red.name]);
    expect(names(await provider({ subject: "custom.blue.discovery" }).discoverPeers())).toEqual([blue.name]);
    expect(names(await provider({ clusterName: "green" }).discoverPeers())).toEqual([]);
  });

  it("ignores answers that are not valid nodes", async () => {
    const nc = await connection();
    const subject = "tsakt.discovery.noisy";
    nc.subscribe(subject, { callback: (_, msg) => void msg.respond("not json") });
    nc.subscribe(subject, { callback: (_, msg) => void msg.respond(JSON.stringify({ name: "no-port", host: "127.0.0.1" })) });
    await nc.flush();
    const good = node("good");
    await provider({ clusterName: "noisy" }).register(good);
    expect(await provider({ clusterName: "noisy" }).discoverPeers()).toEqual([good]);
  });

  it("rejects with DiscoveryUnavailableError when no server listens, and can be closed afterwards", async () => {
    const nowhere = new NatsDiscoveryProvider({ servers: `127.0.0.1:${await freePort()}`, connectTimeoutMs: 1000 });
    const failure = await nowhere.discoverPeers().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DiscoveryUnavailableError);
    expect((failure as DiscoveryUnavailableError).cause).toBeInstanceOf(Error);
    await expect(nowhere.register(node("lonely"))).rejects.toBeInstanceOf(DiscoveryUnavailableError);
    await expect(nowhere.close()).resolves.toBeUndefined();
  });

  it("rejects with DiscoveryUnavailableError when the caller's connection is closed", async () => {
    const nc = await connection();
    const given = new NatsDiscoveryProvider({ connection: nc });
    await nc.close();
    await expect(given.discoverPeers()).rejects.toBeInstanceOf(DiscoveryUnavailableError);
    await given.close();
  });
});

describe.skipIf(skipWithoutBinary("nats-server"))("NatsDiscoveryProvider across a nats-server outage", () => {
  let server: NatsServerHandle;
  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterAll(() => server?.stop());

  it("reports DiscoveryUnavailableError rather than an empty cluster while the server is down, then finds peers again", async () => {
    const options = { servers: server.url, timeoutMs: 150, connectTimeoutMs: 1000, reconnectWaitMs: 200 };
    const registered = new NatsDiscoveryProvider(options);
    const observer = new NatsDiscoveryProvider(options);
    try {
      const self = node("outage");
      await registered.register(self);
      expect(names(await observer.discoverPeers())).toEqual([self.name]);
      await server.kill();
      await expect(observer.discoverPeers()).rejects.toBeInstanceOf(DiscoveryUnavailableError);
      await server.restart();
      await eventually(
        "the node to be advertised again",
        async () => names(await observer.discoverPeers().catch(() => [])).includes(self.name),
        { intervalMs: 50 },
      );
    } finally {
      await registered.close();
      await observer.close();
    }
  });
});
