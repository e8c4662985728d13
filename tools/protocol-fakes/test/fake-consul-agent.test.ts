import { eventually, staysTrue } from "@tsakt/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { type FakeConsulAgent, type FakeConsulAgentOptions, startFakeConsulAgent } from "../src/index.js";

const agents: FakeConsulAgent[] = [];

afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
});

async function agent(options: FakeConsulAgentOptions = {}): Promise<FakeConsulAgent> {
  const a = await startFakeConsulAgent(options);
  agents.push(a);
  return a;
}

function call(a: FakeConsulAgent, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`http://${a.address}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

function register(
  a: FakeConsulAgent,
  id: string,
  check: Record<string, unknown> = { TTL: "10s" },
  extra: Record<string, unknown> = {},
): Promise<Response> {
  return call(a, "PUT", "/v1/agent/service/register", {
    Name: "web",
    ID: id,
    Address: "127.0.0.1",
    Port: 7000,
    Tags: ["blue"],
    Meta: { zone: "a" },
    Check: check,
    ...extra,
  });
}

async function health(a: FakeConsulAgent, query = "passing=true"): Promise<{ index: number; entries: Array<Record<string, any>> }> {
  const res = await call(a, "GET", `/v1/health/service/web?${query}`);
  expect(res.status).toBe(200);
  return { index: Number(res.headers.get("x-consul-index")), entries: (await res.json()) as Array<Record<string, any>> };
}

/** Waits until anti-entropy has written the agent's changes to the catalog (what /v1/health reads). */
async function synced(a: FakeConsulAgent): Promise<void> {
  await eventually("anti-entropy to sync the catalog", () => !a.catalogSyncPending);
}

async function agentChecks(a: FakeConsulAgent): Promise<Record<string, any>> {
  return (await (await call(a, "GET", "/v1/agent/checks")).json()) as Record<string, any>;
}

describe("fake Consul agent", () => {
  it("registers a TTL-checked service that starts critical and turns passing on /check/pass", async () => {
    const a = await agent();
    expect((await register(a, "web-1")).status).toBe(200);
    await synced(a);
    expect((await health(a)).entries).toEqual([]);
    expect((await health(a, "")).entries).toHaveLength(1);

    expect((await call(a, "PUT", "/v1/agent/check/pass/service:web-1?note=ok")).status).toBe(200);
    await synced(a);
    const { entries, index } = await health(a);
    expect(index).toBeGreaterThan(0);
    expect(entries).toHaveLength(1);
    const [entry] = entries;
    expect(entry!.Node).toMatchObject({ Node: "fake-consul", Address: "127.0.0.1", Datacenter: "dc1" });
    expect(entry!.Service).toMatchObject({
      ID: "web-1",
      Service: "web",
      Tags: ["blue"],
      Meta: { zone: "a" },
      Address: "127.0.0.1",
      Port: 7000,
    });
    expect(entry!.Checks.map((c: any) => [c.CheckID, c.Status])).toEqual([
      ["serfHealth", "passing"],
      ["service:web-1", "passing"],
    ]);
    expect(entry!.Checks[1]).toMatchObject({
      Name: "Service 'web' check",
      Output: "ok",
      ServiceID: "web-1",
      ServiceName: "web",
      Type: "ttl",
    });
  });

  it("uses the given CheckID and initial status, and numbers checks when there are several", async () => {
    const a = await agent();
    await register(a, "web-1", { CheckID: "custom", TTL: "10s", Status: "passing" });
    await call(a, "PUT", "/v1/agent/service/register", { Name: "web", ID: "web-2", Port: 1, Checks: [{ TTL: "5s" }, { TTL: "5s" }] });
    expect(
      a
        .checks()
        .map((c) => [c.checkId, c.status])
        .sort(),
    ).toEqual([
      ["custom", "passing"],
      ["service:web-2:1", "critical"],
      ["service:web-2:2", "critical"],
    ]);
    await synced(a);
    expect((await health(a)).entries.map((e) => e.Service.ID)).toEqual(["web-1"]);
  });

  it("filters health entries by every given tag", async () => {
    const a = await agent();
    await register(a, "web-1", { TTL: "10s", Status: "passing" }, { Tags: ["blue", "x"] });
    await register(a, "web-2", { TTL: "10s", Status: "passing" }, { Tags: ["green"] });
    await synced(a);
    expect((await health(a, "passing&tag=blue&tag=x")).entries.map((e) => e.Service.ID)).toEqual(["web-1"]);
    expect((await health(a, "passing&tag=green")).entries.map((e) => e.Service.ID)).toEqual(["web-2"]);
  });

  it("holds a blocking query until the service changes, then answers with a higher X-Consul-Index", async () => {
    const a = await agent();
    await register(a, "web-1", { TTL: "10s", Status: "passing" });
    await synced(a);
    const { index } = await health(a);
    let settled = false;
    const pending = health(a, `passing&index=${index}&wait=20s`).finally(() => (settled = true));
    await eventually("the query to be held", () => a.heldQueries === 1);
    await staysTrue("the query to stay unanswered", () => !settled, { timeoutMs: 300 });

    await register(a, "web-2", { TTL: "10s", Status: "passing" });
    const started = Date.now();
    const answer = await pending;
    expect(a.heldQueries).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(answer.index).toBeGreaterThan(index);
    expect(answer.entries.map((e) => e.Service.ID)).toEqual(["web-1", "web-2"]);
  });

  it("keeps holding a blocking query across a TTL pass that changes nothing", async () => {
    const a = await agent();
    await register(a, "web-1", { TTL: "10s", Status: "passing" });
    await synced(a);
    const { index } = await health(a);
    let settled = false;
    const pending = health(a, `passing&index=${index}&wait=20s`).finally(() => (settled = true));
    await call(a, "PUT", "/v1/agent/check/pass/service:web-1");
    await staysTrue("the query to stay unanswered", () => !settled, { timeoutMs: 300 });
    await call(a, "PUT", "/v1/agent/check/fail/service:web-1?note=down");
    const answer = await pending;
    expect(answer.index).toBeGreaterThan(index);
    expect(answer.entries).toEqual([]);
  });

  it("answers a blocking query with the same index when its wait elapses", async () => {
    const a = await agent();
    await register(a, "web-1", { TTL: "10s", Status: "passing" });
    await synced(a);
    const { index } = await health(a);
    const started = Date.now();
    const answer = await health(a, `passing&index=${index}&wait=300ms`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(answer.index).toBe(index);
    expect(answer.entries).toHaveLength(1);
  });

  it("turns a TTL check critical with Consul's expiry output when it is not passed in time", async () => {
    const a = await agent();
    await register(a, "web-1", { TTL: "300ms", Status: "passing" });
    await call(a, "PUT", "/v1/agent/check/pass/service:web-1?note=alive");
    await synced(a);
    expect((await health(a)).entries).toHaveLength(1);
    await eventually("the check to turn critical", async () => (await agentChecks(a))["service:web-1"].Status === "critical");
    expect((await agentChecks(a))["service:web-1"]).toMatchObject({
      Status: "critical",
      Output: "TTL expired (last output before timeout follows): alive",
    });
    await synced(a);
    expect((await health(a)).entries).toEqual([]);
  });

  it("shows agent changes in the catalog only once anti-entropy has synced them", async () => {
    const a = await agent({ catalogSyncDelayMs: 60_000 });
    await register(a, "web-1", { TTL: "10s", Status: "passing" });
    expect(Object.keys((await (await call(a, "GET", "/v1/agent/services")).json()) as object)).toEqual(["web-1"]);
    expect(a.catalogSyncPending).toBe(true);
    const before = await health(a, "");
    expect(before.entries).toEqual([]);

    a.syncCatalog();
    const after = await health(a, "");
    expect(after.entries.map((e) => e.Service.ID)).toEqual(["web-1"]);
    expect(after.index).toBeGreaterThan(before.index);
    expect(a.catalogSyncPending).toBe(false);
  });

  it("syncs on its own after the configured delay and wakes blocking queries then", async () => {
    const a = await agent({ catalogSyncDelayMs: 200 });
    const { index } = await health(a, "");
    const pending = health(a, `index=${index}&wait=20s`);
    await register(a, "web-1", { TTL: "10s", Status: "passing" });
    expect(a.catalogSyncPending).toBe(true);
    expect((await pending).entries.map((e) => e.Service.ID)).toEqual(["web-1"]);
    expect(a.catalogSyncPending).toBe(false);
  });

  it("keeps a critical check critical when its service registers again, until the next TTL update", async () => {
    const a = await agent();
    await register(a, "web-1", { TTL: "200ms", Status: "passing" });
    await call(a, "PUT", "/v1/agent/check/pass/service:web-1?note=alive");
    await eventually("the check to turn critical", async () => (await agentChecks(a))["service:web-1"]?.Status === "critical");

    // The registration asks for passing; Consul restores the status and output it had.
    expect((await register(a, "web-1", { TTL: "10s", Status: "passing" })).status).toBe(200);
    expect((await agentChecks(a))["service:web-1"]).toMatchObject({
      Status: "critical",
      Output: "TTL expired (last output before timeout follows): alive",
    });
    await synced(a);
    expect((await health(a)).entries).toEqual([]);

    await call(a, "PUT", "/v1/agent/check/pass/service:web-1");
    expect((await agentChecks(a))["service:web-1"]).toMatchObject({ Status: "passing", Output: "" });
    await synced(a);
    expect((await health(a)).entries.map((e) => e.Service.ID)).toEqual(["web-1"]);
  });

  it("keeps a passing check passing when its service registers again asking for critical", async () => {
    const a = await agent();
    await register(a, "web-1", { TTL: "10s", Status: "passing" });
    await register(a, "web-1", { TTL: "10s", Status: "critical" });
    expect((await agentChecks(a))["service:web-1"].Status).toBe("passing");
  });

  it("writes a change of output alone to the catalog only after check_update_interval, a status change at once", async () => {
    const a = await agent({ checkUpdateIntervalMs: 400 });
    await register(a, "web-1", { TTL: "10s", Status: "passing" });
    await synced(a);
    const output = async () => (await health(a)).entries[0]?.Checks[1]?.Output;

    await call(a, "PUT", "/v1/agent/check/pass/service:web-1?note=v2");
    expect((await agentChecks(a))["service:web-1"].Output).toBe("v2");
    await synced(a);
    expect(await output()).toBe("");
    await eventually("the new output", async () => (await output()) === "v2", { timeoutMs: 3000 });

    await call(a, "PUT", "/v1/agent/check/warn/service:web-1?note=slow");
    await synced(a);
    expect((await health(a, "")).entries[0]?.Checks[1]).toMatchObject({ Status: "warning", Output: "slow" });
  });

  it("reaps a service that stays critical longer than DeregisterCriticalServiceAfter", async () => {
    const a = await agent({ deregisterCriticalMinMs: 0, reapIntervalMs: 50 });
    await register(a, "web-1", { TTL: "200ms", Status: "passing", DeregisterCriticalServiceAfter: "300ms" });
    await register(a, "web-2", { TTL: "200ms", Status: "passing" });
    await eventually("the agent to reap web-1", () => !a.services().some((s) => s.id === "web-1"));
    // Without DeregisterCriticalServiceAfter a critical service stays registered.
    expect(a.services().map((s) => s.id)).toEqual(["web-2"]);
    expect(a.checks().find((c) => c.checkId === "service:web-2")?.status).toBe("critical");
  });

  it("applies Consul's one-minute floor to DeregisterCriticalServiceAfter by default", async () => {
    const a = await agent({ reapIntervalMs: 50 });
    await register(a, "web-1", { TTL: "100ms", DeregisterCriticalServiceAfter: "100ms" });
    // The fake agent's timers are real: watch six reaps and more than the 100 ms asked for.
    await staysTrue("web-1 to stay registered", () => expect(a.services().map((s) => s.id)).toEqual(["web-1"]), {
      timeoutMs: 600,
      intervalMs: 50,
    });
  });

  it("answers 404 with Consul's reasons for unknown checks and services, serfHealth included (a catalog check, not an agent one)", async () => {
    const a = await agent();
    const pass = await call(a, "PUT", "/v1/agent/check/pass/service:nope");
    expect([pass.status, await pass.text()]).toEqual([
      404,
      'Unknown check ID "service:nope". Ensure that the check ID is passed, not the check name.',
    ]);
    const dereg = await call(a, "PUT", "/v1/agent/service/deregister/nope");
    expect([dereg.status, await dereg.text()]).toEqual([
      404,
      'Unknown service ID "nope". Ensure that the service ID is passed, not the service name.',
    ]);
    const serf = await call(a, "PUT", "/v1/agent/check/pass/serfHealth");
    expect([serf.status, await serf.text()]).toEqual([
      404,
      'Unknown check ID "serfHealth". Ensure that the check ID is passed, not the check name.',
    ]);
    expect(Object.keys(await agentChecks(a))).toEqual([]);
  });

  it("deregisters a service and its checks", async () => {
    const a = await agent();
    await register(a, "web-1", { TTL: "10s", Status: "passing" });
    expect((await call(a, "PUT", "/v1/agent/service/deregister/web-1")).status).toBe(200);
    expect(a.checks()).toEqual([]);
    await synced(a);
    expect((await health(a, "")).entries).toEqual([]);
  });

  it("updates a TTL check through /check/update and rejects an unknown status", async () => {
    const a = await agent();
    await register(a, "web-1");
    expect((await call(a, "PUT", "/v1/agent/check/update/service:web-1", { Status: "warning", Output: "slow" })).status).toBe(200);
    expect(a.checks().find((c) => c.checkId === "service:web-1")).toMatchObject({ status: "warning", output: "slow" });
    const bad = await call(a, "PUT", "/v1/agent/check/update/service:web-1", { Status: "fine" });
    expect([bad.status, await bad.text()]).toEqual([400, "Invalid check status: 'fine'"]);
  });

  it("rejects bad registrations with Consul's 400 reasons", async () => {
    const a = await agent();
    const cases: Array<[unknown, string]> = [
      [{ ID: "x", Port: 1 }, "Missing service name"],
      [{ Name: "web", Meta: { "a.b": "x" } }, "Invalid Service Meta: Key contains invalid characters"],
      [{ Name: "web", Meta: { "consul-x": "x" } }, "Invalid Service Meta: Key prefix 'consul-' is reserved for internal use"],
      [{ Name: "web", Address: "0.0.0.0" }, "Invalid service address"],
      [{ Name: "web", Check: { TTL: "soon" } }, 'Request decode failed: time: invalid duration "soon"'],
      [{ Name: "web", Check: { TTL: "10s", Status: "fine" } }, "Status for checks must 'passing', 'warning', 'critical'"],
    ];
    for (const [body, reason] of cases) {
      const res = await call(a, "PUT", "/v1/agent/service/register", body);
      expect([res.status, await res.text()]).toEqual([400, reason]);
    }
    expect(a.services()).toEqual([]);
  });

  it("rejects the wrong method like Consul's router", async () => {
    const a = await agent();
    const res = await call(a, "GET", "/v1/agent/service/register");
    expect([res.status, await res.text()]).toEqual([405, "method GET not allowed"]);
  });

  it("loses its state on restart, keeps its port, and starts its indexes over", async () => {
    const a = await agent();
    for (let i = 0; i < 5; i++) await register(a, `web-${i}`, { TTL: "10s", Status: "passing" });
    await synced(a);
    const before = await health(a);
    const port = a.port;
    await a.restart();
    expect(a.port).toBe(port);
    expect(a.services()).toEqual([]);
    // fetch's pool may still hold a kept-alive socket the restart closed: retry until a fresh one answers.
    let after: Awaited<ReturnType<typeof health>> | undefined;
    await eventually("an answer after the restart", async () => (after = await health(a)));
    if (after === undefined) throw new Error("no answer after the restart");
    expect(after.entries).toEqual([]);
    expect(after.index).toBeLessThan(before.index);
    const pass = await call(a, "PUT", "/v1/agent/check/pass/service:web-0");
    expect(pass.status).toBe(404);
  });

  it("refuses connections while stopped", async () => {
    const a = await agent();
    await a.stop();
    await expect(fetch(`http://${a.address}/v1/agent/services`)).rejects.toThrow();
    await a.start();
    expect((await call(a, "GET", "/v1/agent/services")).status).toBe(200);
  });

  it("requires the ACL token when ACLs are on", async () => {
    const a = await agent({ aclToken: "secret" });
    const anonymous = await call(a, "GET", "/v1/agent/services");
    expect([anonymous.status, await anonymous.text()]).toEqual([403, "Permission denied: anonymous token lacks permission"]);
    const wrong = await call(a, "GET", "/v1/agent/services", undefined, { "X-Consul-Token": "guess" });
    expect([wrong.status, await wrong.text()]).toEqual([403, "ACL not found"]);
    expect((await call(a, "GET", "/v1/agent/services", undefined, { "X-Consul-Token": "secret" })).status).toBe(200);
  });
});
