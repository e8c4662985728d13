import { ActorNotFoundError, ActorSystem } from "@tsakt/actor";
import { cluster, clusterOf, spawnOn } from "@tsakt/cluster";
import { StaticDiscoveryProvider } from "@tsakt/discovery-static";
import { DatacenterStateChangedSchema, DatacenterUnavailableError, InMemoryControlPlane, multiDatacenterOf } from "@tsakt/multidc";
import { testRecord } from "@tsakt/multidc/testing";
import { remoteOf, remoting } from "@tsakt/remote";
import { freePorts } from "@tsakt/test-servers";
import { eventually } from "@tsakt/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { fastDc, startDatacenter, stateSeen } from "./helpers.js";

describe("two datacenters in one process (real remoting, in-memory control plane)", () => {
  const systems: ActorSystem[] = [];
  afterEach(async () => {
    await Promise.all(systems.splice(0).map((s) => s.stop()));
  });

  async function twoDatacenters(options: { drainMs?: number } = {}) {
    const store = new InMemoryControlPlane();
    const a = await startDatacenter("dc-a", 2, () => store.client(), options);
    const b = await startDatacenter("dc-b", 2, () => store.client(), options);
    systems.push(...a, ...b);
    await eventually(
      "both ACTIVE everywhere",
      () => [...a, ...b].every((s) => stateSeen(s, "dc-a") === "ACTIVE" && stateSeen(s, "dc-b") === "ACTIVE"),
      {
        timeoutMs: 5000,
      },
    );
    return { store, a, b };
  }

  it("lists both datacenters with labels and gateway endpoints, ACTIVE everywhere", async () => {
    const { a, b } = await twoDatacenters();
    const seen = multiDatacenterOf(b[0] as ActorSystem).datacenters();
    expect(seen.map((d) => [d.name, d.state, d.local])).toEqual([
      ["dc-a", "ACTIVE", false],
      ["dc-b", "ACTIVE", true],
    ]);
    expect(seen[0]?.labels).toEqual({ region: "r-dc-a" });
    const aPorts = a.map((s) => multiDatacenterOf(s).datacenterOf("dc-b")?.endpoints);
    expect(aPorts[0]).toHaveLength(2);
    // The cluster lists the same through the plugin; a cluster without it knows no datacenters.
    expect(clusterOf(b[0] as ActorSystem).datacenters()).toEqual(multiDatacenterOf(b[0] as ActorSystem).datacenters());
    const port = (await freePorts(1))[0] as number;
    const single = await ActorSystem.start({
      name: "multidc-test",
      plugins: [
        remoting({ host: "127.0.0.1", port }),
        cluster({ discovery: new StaticDiscoveryProvider({ peers: [`127.0.0.1:${port}`] }) }),
      ],
    });
    systems.push(single);
    expect(clusterOf(single).datacenters()).toEqual([]);
  });

  it("looks up a named actor of another datacenter through its gateway and asks it directly (routing direct)", async () => {
    const { a, b } = await twoDatacenters();
    const placed = await spawnOn(a[0] as ActorSystem, "orders", "echo");
    const pid = await multiDatacenterOf(b[1] as ActorSystem).actorOf("orders", { datacenter: "dc-a", routing: "direct" });
    expect(pid.address).toMatch(/^tsakt:\/\/multidc-test@127\.0\.0\.1:\d+\/user\/orders$/);
    expect(a.some((s) => s.localActorOf("orders") !== undefined && pid.address.endsWith(`${placed.path}`))).toBe(true);
    expect(await pid.ask("hi", { timeoutMs: 2000 })).toMatch(/^dc-a:127\.0\.0\.1:\d+:hi$/);
    // Direct: the ask came from the caller's own node, and no gateway relayed anything.
    expect(await pid.ask("from?", { timeoutMs: 2000 })).toSatisfy((from: string) =>
      from.startsWith(`${remoteOf(b[1] as ActorSystem).address}/`),
    );
    expect(a.map((s) => multiDatacenterOf(s).gatewayStats().forwarded)).toEqual([0, 0]);
    await expect(multiDatacenterOf(b[1] as ActorSystem).actorOf("missing", { datacenter: "dc-a" })).rejects.toBeInstanceOf(
      ActorNotFoundError,
    );
  });

  it("spawns into another datacenter, and fails fast for an unknown one unless falling back to the local one", async () => {
    const { a, b } = await twoDatacenters();
    const mdc = multiDatacenterOf(b[0] as ActorSystem);
    const remote = await mdc.spawnOn("cart", "echo", { datacenter: "dc-a" });
    expect(await remote.ask("x", { timeoutMs: 2000 })).toMatch(/^dc-a:/);
    expect(a.some((s) => s.localActorOf("cart") !== undefined)).toBe(true);
    const error = await mdc.spawnOn("nope", "echo", { datacenter: "dc-z" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatacenterUnavailableError);
    expect(error).toMatchObject({ code: "DatacenterUnavailable", reason: "unknown", datacenter: "dc-z" });
    const local = await mdc.spawnOn("fallback", "echo", { datacenter: "dc-z", fallback: "local" });
    expect(await local.ask("x", { timeoutMs: 2000 })).toMatch(/^dc-b:/);
  });

  it("marks a stopped datacenter INACTIVE within the lease, publishes it, and calls to it fail fast", async () => {
    const { a, b } = await twoDatacenters();
    await spawnOn(b[0] as ActorSystem, "inventory", "echo");
    const mdc = multiDatacenterOf(a[0] as ActorSystem);
    const pid = await mdc.actorOf("inventory", { datacenter: "dc-b" });
    expect(await pid.ask("hi", { timeoutMs: 2000 })).toMatch(/^dc-b:/);
    const events: string[] = [];
    (a[0] as ActorSystem).eventStream.subscribe(DatacenterStateChangedSchema, (e) =>
      events.push(`${e.datacenter}:${e.previous}->${e.state}`),
    );
    const stopped = b.splice(0);
    systems.splice(systems.indexOf(stopped[0] as ActorSystem), 2);
    await Promise.all(stopped.map((s) => s.stop()));
    const stoppedAt = performance.now();
    await eventually("dc-b INACTIVE in dc-a", () => a.every((s) => stateSeen(s, "dc-b") === "INACTIVE"), { timeoutMs: 5000 });
    expect(performance.now() - stoppedAt).toBeLessThan(fastDc.leaseMs + 4 * fastDc.heartbeatMs + 1000);
    expect(events).toEqual(["dc-b:ACTIVE->INACTIVE"]);
    const started = performance.now();
    await expect(pid.ask("hi", { timeoutMs: 5000 })).rejects.toMatchObject({ code: "DatacenterUnavailable", reason: "inactive" });
    await expect(mdc.actorOf("inventory", { datacenter: "dc-b" })).rejects.toMatchObject({ code: "DatacenterUnavailable" });
    expect(pid.tell("hi")).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
    const fellBack = await mdc.spawnOn("relocated", "echo", { datacenter: "dc-b", fallback: "local" });
    expect(await fellBack.ask("x", { timeoutMs: 2000 })).toMatch(/^dc-a:/);
  });

  it("drains a datacenter: DRAINING refuses new placements while existing actors answer, then INACTIVE", async () => {
    const { a, b } = await twoDatacenters({ drainMs: 1500 });
    await spawnOn(a[0] as ActorSystem, "ledger", "echo");
    const fromB = multiDatacenterOf(b[0] as ActorSystem);
    const ledger = await fromB.actorOf("ledger", { datacenter: "dc-a" });
    await multiDatacenterOf(a[1] as ActorSystem).drain(); // on a node that may not be the leader
    await eventually("dc-a DRAINING in dc-b", () => stateSeen(b[0] as ActorSystem, "dc-a") === "DRAINING", { timeoutMs: 3000 });
    await expect(fromB.spawnOn("more", "echo", { datacenter: "dc-a" })).rejects.toMatchObject({
      code: "DatacenterUnavailable",
      reason: "draining",
    });
    expect(await ledger.ask("still", { timeoutMs: 2000 })).toMatch(/^dc-a:.*:still$/);
    expect(await (await fromB.actorOf("ledger", { datacenter: "dc-a" })).ask("again", { timeoutMs: 2000 })).toMatch(/again$/);
    await eventually("dc-a INACTIVE everywhere", () => [...a, ...b].every((s) => stateSeen(s, "dc-a") === "INACTIVE"), { timeoutMs: 5000 });
  });

  it("freezes states while the control plane is down and carries on after it returns", async () => {
    const { store, a, b } = await twoDatacenters();
    store.available = false;
    await eventually("every node notices the outage", () => [...a, ...b].every((s) => !multiDatacenterOf(s).controlPlaneReachable), {
      timeoutMs: 3000,
    });
    const heartbeat = multiDatacenterOf(a[0] as ActorSystem).datacenterOf("dc-b")?.heartbeatAtMs ?? 0;
    // Longer than the lease: a dead datacenter would have expired by now, but nobody could read or write.
    await eventually("outage outlasted the lease", () => Date.now() - heartbeat > fastDc.leaseMs * 2, { timeoutMs: 5000 });
    expect([...a, ...b].every((s) => stateSeen(s, "dc-a") === "ACTIVE" && stateSeen(s, "dc-b") === "ACTIVE")).toBe(true);
    store.available = true;
    await eventually(
      "fresh heartbeats from dc-b after the outage",
      () => (multiDatacenterOf(a[0] as ActorSystem).datacenterOf("dc-b")?.heartbeatAtMs ?? 0) > heartbeat,
      {
        timeoutMs: 5000,
      },
    );
    expect([...a, ...b].every((s) => stateSeen(s, "dc-a") === "ACTIVE" && stateSeen(s, "dc-b") === "ACTIVE")).toBe(true);
  });

  it("hands the record over when the writing leader leaves: the datacenter stays ACTIVE with one gateway", async () => {
    const { a, b } = await twoDatacenters();
    const changes: string[] = [];
    (b[0] as ActorSystem).eventStream.subscribe(DatacenterStateChangedSchema, (e) => changes.push(`${e.datacenter}:${e.state}`));
    const leader = a.find((s) => clusterOf(s).isLeader()) as ActorSystem;
    const survivor = a.find((s) => s !== leader) as ActorSystem;
    const before = multiDatacenterOf(b[0] as ActorSystem).datacenterOf("dc-a")?.heartbeatAtMs ?? 0;
    systems.splice(systems.indexOf(leader), 1);
    await leader.stop();
    await eventually(
      "dc-a lists only the survivor, in a newer heartbeat",
      () => {
        const seen = multiDatacenterOf(b[0] as ActorSystem).datacenterOf("dc-a");
        expect(seen?.endpoints).toEqual([remoteOf(survivor).address.replace(/^tsakt:\/\/[^@]+@/, "")]);
        expect(seen?.heartbeatAtMs).toBeGreaterThan(before);
      },
      { timeoutMs: 5000 },
    );
    // Several leases long: the survivor keeps the record fresh.
    await eventually("three leases passed", () => Date.now() - before > 3 * fastDc.leaseMs, { timeoutMs: 5000 });
    expect(stateSeen(b[0] as ActorSystem, "dc-a")).toBe("ACTIVE");
    expect(changes).toEqual([]);
  });

  it("tries the next gateway when one does not answer, and reports a datacenter none of whose gateways answer as unreachable", async () => {
    const { store, a, b } = await twoDatacenters();
    await spawnOn(a[0] as ActorSystem, "orders", "echo");
    const live = remoteOf(a[0] as ActorSystem).address.replace(/^tsakt:\/\/[^@]+@/, "");
    // Two datacenters only this test writes: dc-c's first gateway is a closed port, dc-d has no live gateway at all.
    let sequence = 0;
    const write = () =>
      Promise.all([
        store.put({
          ...testRecord("dc-c", { system: "multidc-test", endpoints: ["127.0.0.1:1", live] }),
          heartbeatAtMs: Date.now(),
          sequence: ++sequence,
        }),
        store.put({ ...testRecord("dc-d", { system: "multidc-test", endpoints: ["127.0.0.1:1"] }), heartbeatAtMs: Date.now(), sequence }),
      ]);
    await write();
    const keepFresh = setInterval(() => void write(), fastDc.heartbeatMs);
    try {
      const mdc = multiDatacenterOf(b[0] as ActorSystem);
      await eventually(
        "dc-c and dc-d ACTIVE in dc-b",
        () => stateSeen(b[0] as ActorSystem, "dc-c") === "ACTIVE" && stateSeen(b[0] as ActorSystem, "dc-d") === "ACTIVE",
        {
          timeoutMs: 3000,
        },
      );
      // The first gateway tried is random: a few lookups hit the closed port first at least once (1 in 2 each).
      for (let i = 0; i < 4; i++)
        expect(await (await mdc.actorOf("orders", { datacenter: "dc-c" })).ask("hi", { timeoutMs: 2000 })).toMatch(/^dc-a:/);
      const error = await mdc.actorOf("orders", { datacenter: "dc-d" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatacenterUnavailableError);
      expect(error).toMatchObject({ reason: "unreachable" });
      expect((error as Error).cause).toBeDefined();
    } finally {
      clearInterval(keepFresh);
    }
  });
});
