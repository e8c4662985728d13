import type { DiscoveryNode, DiscoveryProvider } from "@tsakt/discovery";
import { type ConsulDiscoveryOptions, ConsulDiscoveryProvider } from "@tsakt/discovery-consul";
import { eventually, staysTrue } from "@tsakt/testkit";
import Consul from "consul";
import { afterEach, describe, expect, it } from "vitest";
import { type ConsulBackend, startConsulBackend, uniqueServiceName } from "./consul-backend.js";

const cleanup: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function backend(...args: Parameters<typeof startConsulBackend>): Promise<ConsulBackend> {
  const b = await startConsulBackend(...args);
  cleanup.push(() => b.stop());
  return b;
}

function provider(b: ConsulBackend, options: ConsulDiscoveryOptions): ConsulDiscoveryProvider {
  const p = new ConsulDiscoveryProvider({ ...b.options, ...options });
  cleanup.push(() => p.close());
  return p;
}

function node(name: string, port: number, extra: Partial<DiscoveryNode> = {}): DiscoveryNode {
  return { name, host: "127.0.0.1", port, ...extra };
}

async function peerNames(p: DiscoveryProvider): Promise<string[]> {
  return (await p.discoverPeers()).map((n) => n.name);
}

async function agentServices(b: ConsulBackend): Promise<Record<string, any>> {
  return (await (await b.http("GET", "/v1/agent/services")).json()) as Record<string, any>;
}

async function agentChecks(b: ConsulBackend): Promise<Record<string, any>> {
  return (await (await b.http("GET", "/v1/agent/checks")).json()) as Record<string, any>;
}

describe("ConsulDiscoveryProvider", () => {
  it("registers an agent service named after the node, with roles as tags, meta and a passing TTL check", async () => {
    const b = await backend();
    const serviceName = uniqueServiceName();
    const p = provider(b, { serviceName, ttlSeconds: 4, deregisterAfterSeconds: 90 });
    const name = `${serviceName}-a`;
    await p.register(node(name, 4101, { roles: ["web", "worker"], meta: { zone: "eu-1" } }));

    const service = (await agentServices(b))[name];
    expect(service).toMatchObject({
      ID: name,
      Service: serviceName,
      Address: "127.0.0.1",
      Port: 4101,
      Tags: ["web", "worker"],
      Meta: { zone: "eu-1" },
    });
    const check = (await agentChecks(b))[`service:${name}`];
    expect(check).toMatchObject({ Status: "passing", ServiceID: name, Type: "ttl" });
    if (b.fake) {
      expect(b.fake.checks().find((c) => c.serviceId === name)).toMatchObject({ ttlMs: 4000, deregisterCriticalAfterMs: 90_000 });
    }
  });

  it("returns peers with their roles and meta, excluding itself", async () => {
    const b = await backend();
    const serviceName = uniqueServiceName();
    const a = provider(b, { serviceName });
    const c = provider(b, { serviceName });
    await a.register(node(`${serviceName}-a`, 4201, { roles: ["web"] }));
    await c.register(node(`${serviceName}-c`, 4202, { meta: { v: "2" } }));
    // The agent writes registrations to the catalog asynchronously (anti-entropy), so wait for them there.
    await eventually("each node to see the other", async () => (await peerNames(a)).length === 1 && (await peerNames(c)).length === 1, {
      timeoutMs: 8000,
    });
    expect(await a.discoverPeers()).toEqual([node(`${serviceName}-c`, 4202, { meta: { v: "2" } })]);
    expect(await c.discoverPeers()).toEqual([node(`${serviceName}-a`, 4201, { roles: ["web"] })]);
  });

  it("keeps its TTL check passing well beyond the TTL", async () => {
    const b = await backend();
    const serviceName = uniqueServiceName();
    const a = provider(b, { serviceName, ttlSeconds: 1 });
    const observer = provider(b, { serviceName });
    await a.register(node(`${serviceName}-a`, 4301));
    await eventually("the node to be visible", async () => (await peerNames(observer)).includes(`${serviceName}-a`), { timeoutMs: 8000 });
    // The time itself is what this test checks: more than two TTLs pass with the heartbeat keeping the check passing.
    await staysTrue("the node to stay discoverable", async () => expect(await peerNames(observer)).toEqual([`${serviceName}-a`]), {
      timeoutMs: 2500,
      intervalMs: 250,
    });
  });

  it("drops a node that stopped passing its check (closed without deregister, like a dead process) after its TTL", async () => {
    const b = await backend();
    const serviceName = uniqueServiceName();
    const dead = provider(b, { serviceName, ttlSeconds: 1 });
    const observer = provider(b, { serviceName, watch: true, waitSeconds: 5 });
    const name = `${serviceName}-dead`;
    await dead.register(node(name, 4401));
    await eventually("the node to be visible", async () => (await peerNames(observer)).includes(name), { timeoutMs: 8000 });

    await dead.close();
    // The watch's first answer may still be in flight from before the catalog sync, so wait for the cause first.
    await eventually(
      "the dead node's check to turn critical",
      async () => (await agentChecks(b))[`service:${name}`]?.Status === "critical",
    );
    await eventually("the dead node to leave discovery", async () => !(await peerNames(observer)).includes(name));
    // Consul still knows the service, critical, until DeregisterCriticalServiceAfter reaps it.
    expect(Object.keys(await agentServices(b))).toContain(name);
  });

  it("asks Consul to remove a dead node after deregisterAfterSeconds (fake agent with Consul's reaper shortened)", async () => {
    const b = await backend({ deregisterCriticalMinMs: 0, reapIntervalMs: 100 }, true);
    const serviceName = uniqueServiceName();
    const dead = provider(b, { serviceName, ttlSeconds: 1, deregisterAfterSeconds: 1 });
    const name = `${serviceName}-dead`;
    await dead.register(node(name, 4501));
    await dead.close();
    await eventually("the agent to reap the dead node", async () => !Object.keys(await agentServices(b)).includes(name), {
      timeoutMs: 6000,
    });
  });

  it("is passing as soon as register resolves, also over its own check left critical by an earlier run", async () => {
    const b = await backend();
    const serviceName = uniqueServiceName();
    const name = `${serviceName}-a`;
    const earlier = provider(b, { serviceName, ttlSeconds: 10 });
    await earlier.register(node(name, 4551));
    await earlier.close();
    // The earlier run died and its check went critical (as its TTL would have expired).
    expect((await b.http("PUT", `/v1/agent/check/fail/service:${name}`)).status).toBe(200);

    const again = provider(b, { serviceName, ttlSeconds: 10 });
    await again.register(node(name, 4551));
    // Consul keeps the old critical status across the re-registration; the provider passes the check itself.
    expect((await agentChecks(b))[`service:${name}`]).toMatchObject({ Status: "passing" });
    const observer = provider(b, { serviceName });
    await eventually("the node to be discoverable again", async () => (await peerNames(observer)).includes(name), { timeoutMs: 8000 });
  });

  it("becomes discoverable once the agent has synced it to the catalog, not when the agent accepted it", async () => {
    const b = await backend({ catalogSyncDelayMs: 60_000 }, true);
    const serviceName = uniqueServiceName();
    const a = provider(b, { serviceName });
    const observer = provider(b, { serviceName });
    await a.register(node(`${serviceName}-a`, 4561));
    expect(Object.keys(await agentServices(b))).toContain(`${serviceName}-a`);
    expect(await peerNames(observer)).toEqual([]);

    b.fake!.syncCatalog();
    await eventually("the synced node to be discoverable", async () => (await peerNames(observer)).includes(`${serviceName}-a`), {
      timeoutMs: 8000,
    });
  });

  it("registers itself again when the agent forgets its service", async () => {
    const b = await backend();
    const serviceName = uniqueServiceName();
    const a = provider(b, { serviceName, ttlSeconds: 1 });
    const name = `${serviceName}-a`;
    await a.register(node(name, 4601));
    expect((await b.http("PUT", `/v1/agent/service/deregister/${name}`)).status).toBe(200);
    expect(Object.keys(await agentServices(b))).not.toContain(name);
    await eventually("the provider to re-register", async () => Object.keys(await agentServices(b)).includes(name));
  });

  it("removes its service from the agent on deregister and stops passing its check", async () => {
    const b = await backend();
    const serviceName = uniqueServiceName();
    const a = provider(b, { serviceName, ttlSeconds: 1 });
    const name = `${serviceName}-a`;
    await a.register(node(name, 4701));
    await a.deregister();
    expect(Object.keys(await agentServices(b))).not.toContain(name);
    await staysTrue("no heartbeat to resurrect it", async () => !Object.keys(await agentServices(b)).includes(name), {
      timeoutMs: 800,
      intervalMs: 100,
    });
  });

  it("replaces its service when registered again under another name", async () => {
    const b = await backend();
    const serviceName = uniqueServiceName();
    const a = provider(b, { serviceName });
    await a.register(node(`${serviceName}-old`, 4801));
    await a.register(node(`${serviceName}-new`, 4802));
    const ids = Object.keys(await agentServices(b)).filter((id) => id.startsWith(serviceName));
    expect(ids).toEqual([`${serviceName}-new`]);
  });

  it("holds a blocking query while watching and cancels it on close (fake agent counts held queries)", async () => {
    const b = await backend({}, true);
    const serviceName = uniqueServiceName();
    const watcher = new ConsulDiscoveryProvider({ ...b.options, serviceName, watch: true, waitSeconds: 30 });
    const other = provider(b, { serviceName });
    await other.register(node(`${serviceName}-b`, 4902));
    await eventually("the watch to see the registered node", async () => (await peerNames(watcher)).includes(`${serviceName}-b`), {
      timeoutMs: 8000,
    });
    await eventually("the watch to hold a blocking query", () => b.fake!.heldQueries === 1, { timeoutMs: 8000 });

    await other.deregister();
    await eventually("the watch to see the change", async () => (await peerNames(watcher)).length === 0, { timeoutMs: 3000 });
    const started = Date.now();
    await watcher.close();
    expect(Date.now() - started).toBeLessThan(3000);
    await eventually("the held query to be released", () => b.fake!.heldQueries === 0, { timeoutMs: 3000 });
  });

  it("sends its ACL token with every request (fake agent with ACLs on)", async () => {
    const b = await backend({ aclToken: "s3cret" }, true);
    const serviceName = uniqueServiceName();
    const anonymous = new ConsulDiscoveryProvider({ host: b.options.host!, port: b.options.port!, serviceName });
    cleanup.push(() => anonymous.close());
    const error = await anonymous.register(node(`${serviceName}-x`, 5001)).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "DiscoveryUnavailableError", code: "DiscoveryUnavailable", cause: { statusCode: 403 } });

    const authorized = provider(b, { serviceName, token: "s3cret" });
    await authorized.register(node(`${serviceName}-a`, 5002));
    expect(await anonymous.discoverPeers().catch((e: unknown) => e)).toMatchObject({ cause: { statusCode: 403 } });
    expect(b.fake!.services().map((s) => s.id)).toEqual([`${serviceName}-a`]);
  });

  it("reports an unreachable agent as DiscoveryUnavailableError carrying the client's error", async () => {
    const b = await backend({}, true);
    await b.fake!.stop();
    const p = provider(b, { serviceName: uniqueServiceName(), requestTimeoutMs: 2000 });
    for (const run of [() => p.register(node("n-1", 5101)), () => p.discoverPeers()]) {
      const error = (await run().catch((e: unknown) => e)) as Error;
      expect(error).toMatchObject({ name: "DiscoveryUnavailableError", code: "DiscoveryUnavailable" });
      expect(error.cause).toBeInstanceOf(Error);
    }
  });

  it("leaves a client it was given open when it closes", async () => {
    const b = await backend();
    const client = new Consul({
      host: b.options.host!,
      port: b.options.port!,
      ...(b.options.secure ? { secure: true } : {}),
      ...(b.options.token ? { defaults: { token: b.options.token } } : {}),
    });
    const serviceName = uniqueServiceName();
    const p = new ConsulDiscoveryProvider({ client, serviceName });
    await p.register(node(`${serviceName}-a`, 5201));
    await p.close();
    const services = (await client.agent.service.list()) as Record<string, unknown>;
    expect(Object.keys(services)).toContain(`${serviceName}-a`);
    client.destroy();
  });

  it("rejects node meta that Consul would refuse before calling the agent", async () => {
    const b = await backend();
    const p = provider(b, { serviceName: uniqueServiceName() });
    for (const meta of [{ "a.b": "x" }, { "consul-x": "y" }, { ok: "v".repeat(513) }]) {
      const error = await p.register(node("n-meta", 5301, { meta })).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: "InvalidConfigError", field: "self.meta" });
    }
  });
});
