import type { ActorSystem } from "@tsakt/actor";
import { spawnOn } from "@tsakt/cluster";
import { grainOf } from "@tsakt/grains";
import { type DatacenterPID, DatacenterUnavailableError, type GatewayRoute, InMemoryControlPlane, multiDatacenterOf } from "@tsakt/multidc";
import { remoteOf } from "@tsakt/remote";
import { eventually } from "@tsakt/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { type DatacenterTestOptions, increment, startDatacenter, stateSeen } from "./helpers.js";

// Gateway routing, grains with a home datacenter and placement by labels, with two or three systems per datacenter
// in one process: real remoting on 127.0.0.1, the in-memory control plane.
describe("gateway routing between datacenters (one process, real remoting)", () => {
  const systems: ActorSystem[] = [];
  afterEach(async () => {
    await Promise.all(systems.splice(0).map((s) => s.stop()));
  });

  async function start(aCount: number, aOptions: DatacenterTestOptions = {}, bOptions: DatacenterTestOptions = {}) {
    const store = new InMemoryControlPlane();
    const a = await startDatacenter("dc-a", aCount, () => store.client(), aOptions);
    const b = await startDatacenter("dc-b", 2, () => store.client(), bOptions);
    systems.push(...a, ...b);
    await eventually(
      "both ACTIVE everywhere",
      () => [...a, ...b].every((s) => stateSeen(s, "dc-a") === "ACTIVE" && stateSeen(s, "dc-b") === "ACTIVE"),
      { timeoutMs: 5000 },
    );
    return { a, b };
  }

  const forwarded = (nodes: ActorSystem[]) => nodes.map((s) => multiDatacenterOf(s).gatewayStats().forwarded);
  const at = (s: ActorSystem | undefined) => remoteOf(s as ActorSystem).address;

  it("sends asks and tells to an actor of another datacenter through a gateway there, which relays the replies", async () => {
    // Only a[0] is a gateway; the actor lives on a[1], which B never learns of.
    const { a, b } = await start(2, { gatewayRole: "gateway", roles: (i) => (i === 0 ? ["gateway"] : ["worker"]) });
    await eventually(
      "dc-a lists only its gateway",
      () => multiDatacenterOf(b[0] as ActorSystem).datacenterOf("dc-a")?.endpoints.length === 1,
    );
    expect(multiDatacenterOf(b[0] as ActorSystem).datacenterOf("dc-a")?.endpoints).toEqual([
      at(a[0]).slice("tsakt://multidc-test@".length),
    ]);
    await spawnOn(a[0] as ActorSystem, "orders", "echo", { role: "worker" });
    expect((a[1] as ActorSystem).localActorOf("orders")).toBeDefined();

    const pid = await multiDatacenterOf(b[1] as ActorSystem).actorOf("orders", { datacenter: "dc-a" });
    const before = forwarded(a);
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await pid.ask(`q${i}`, { timeoutMs: 2000 }));
    const node = at(a[1]).slice("tsakt://multidc-test@".length);
    expect(answers).toEqual([0, 1, 2, 3, 4].map((i) => `dc-a:${node}:q${i}`));
    // The actor was asked by the gateway node, not by the caller in B.
    expect(await pid.ask("from?", { timeoutMs: 2000 })).toSatisfy((from: string) => from.startsWith(`${at(a[0])}/`));
    for (let i = 0; i < 10; i++) expect(pid.tell("tick")).toBe(true);
    await eventually("ten tells arrived", async () => (await pid.ask("count?", { timeoutMs: 2000 })) === 10);
    const after = forwarded(a);
    expect((after[0] as number) - (before[0] as number)).toBeGreaterThanOrEqual(5 + 1 + 10 + 1);
    expect(after[1]).toBe(before[1]);
    expect(multiDatacenterOf(a[0] as ActorSystem).gatewayStats().relays).toBe(1);
  });

  it("moves to the other gateway when the one in use stops, and fails fast with the typed error when none is left", async () => {
    // a[0] and a[1] are gateways, the actor lives on a[2].
    const { a, b } = await start(3, { gatewayRole: "gateway", roles: (i) => (i < 2 ? ["gateway"] : ["worker"]) });
    await eventually("dc-a lists two gateways", () => multiDatacenterOf(b[0] as ActorSystem).datacenterOf("dc-a")?.endpoints.length === 2);
    await spawnOn(a[0] as ActorSystem, "orders", "echo", { role: "worker" });
    const pid = (await multiDatacenterOf(b[0] as ActorSystem).actorOf("orders", { datacenter: "dc-a" })) as DatacenterPID;
    const route = pid.target as GatewayRoute;
    expect(await pid.ask("one", { timeoutMs: 2000 })).toMatch(/^dc-a:.*:one$/);
    const used = a.findIndex((s) => at(s).endsWith(route.gateway));
    const other = a[1 - used] as ActorSystem;
    expect([0, 1]).toContain(used);

    await (a[used] as ActorSystem).stop();
    const otherBefore = multiDatacenterOf(other).gatewayStats().forwarded;
    // The caller learns of the lost connection from remoting; the next call goes through the other gateway.
    await eventually("answered through the other gateway", async () => (await pid.ask("two", { timeoutMs: 2000 })) !== undefined, {
      timeoutMs: 5000,
    });
    expect(`${at(other)}`.endsWith(route.gateway)).toBe(true);
    expect(multiDatacenterOf(other).gatewayStats().forwarded).toBeGreaterThan(otherBefore);

    await other.stop();
    const started = performance.now();
    let error: unknown;
    await eventually(
      "no gateway left",
      async () => {
        error = await pid.ask("three", { timeoutMs: 5000 }).catch((x: unknown) => x);
        return error instanceof DatacenterUnavailableError;
      },
      { timeoutMs: 5000 },
    );
    expect(error).toMatchObject({ code: "DatacenterUnavailable", reason: "unreachable", datacenter: "dc-a" });
    expect(performance.now() - started).toBeLessThan(5000); // well within the ask's own timeout
  });

  it("calls a grain in its home datacenter from another one, and fails fast once that datacenter is INACTIVE", async () => {
    const { a, b } = await start(2);
    const mdc = multiDatacenterOf(b[0] as ActorSystem);
    const remote = await mdc.grainOf("counter", "g1", { datacenter: "dc-a" });
    expect(await increment(remote)).toBe("dc-a:g1:1");
    expect(await increment(remote)).toBe("dc-a:g1:2");
    const fromB1 = await multiDatacenterOf(b[1] as ActorSystem).grainOf("counter", "g1", { datacenter: "dc-a" });
    expect(await increment(fromB1)).toBe("dc-a:g1:3");
    // The same identity in B is another grain; grainOf without a datacenter is this datacenter's.
    expect(await increment(await mdc.grainOf("counter", "g1"))).toBe("dc-b:g1:1");
    expect(await increment(grainOf(a[1] as ActorSystem, "counter", "g1"))).toBe("dc-a:g1:4");
    await expect(mdc.grainOf("nope", "g1", { datacenter: "dc-a" })).rejects.toMatchObject({ code: "UnknownGrainKind" });
    await expect(mdc.grainOf("counter", "g1", { datacenter: "dc-z" })).rejects.toMatchObject({
      code: "DatacenterUnavailable",
      reason: "unknown",
    });

    await Promise.all(a.map((s) => s.stop()));
    await eventually("dc-a INACTIVE in B", () => b.every((s) => stateSeen(s, "dc-a") === "INACTIVE"), { timeoutMs: 5000 });
    const started = performance.now();
    await expect(increment(remote)).rejects.toMatchObject({ code: "DatacenterUnavailable", reason: "inactive" });
    await expect(mdc.grainOf("counter", "g2", { datacenter: "dc-a" })).rejects.toBeInstanceOf(DatacenterUnavailableError);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("places by labels: this datacenter first when it matches, another that matches, and this one as the fallback", async () => {
    const { a, b } = await start(2, { labels: { region: "eu", tier: "prod" } }, { labels: { region: "us", tier: "prod" } });
    const mdc = multiDatacenterOf(b[0] as ActorSystem);
    const here = await mdc.spawnOn("p1", "echo", { labels: { tier: "prod" } });
    expect(await here.ask("x", { timeoutMs: 2000 })).toMatch(/^dc-b:/);
    const eu = await mdc.spawnOn("p2", "echo", { labels: { region: "eu" } });
    expect(await eu.ask("x", { timeoutMs: 2000 })).toMatch(/^dc-a:/);
    expect(a.some((s) => s.localActorOf("p2") !== undefined)).toBe(true);
    await expect(mdc.spawnOn("p3", "echo", { labels: { region: "ap" } })).rejects.toBeInstanceOf(DatacenterUnavailableError);
    const fallback = await mdc.spawnOn("p3", "echo", { labels: { region: "ap" }, fallback: "local" });
    expect(await fallback.ask("x", { timeoutMs: 2000 })).toMatch(/^dc-b:/);
    // A DRAINING datacenter is skipped even when it is this one.
    await mdc.drain({ drainMs: 10_000 });
    await eventually("dc-b DRAINING in B", () => stateSeen(b[0] as ActorSystem, "dc-b") === "DRAINING");
    const moved = await mdc.spawnOn("p4", "echo", { labels: { tier: "prod" } });
    expect(await moved.ask("x", { timeoutMs: 2000 })).toMatch(/^dc-a:/);
  });
});
