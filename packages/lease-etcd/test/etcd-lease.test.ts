import { isMessage } from "@bufbuild/protobuf";
import { SplitBrainDecisionSchema } from "@tsakt/cluster";
import { EtcdLease } from "@tsakt/lease-etcd";
import { type EtcdHandle, skipWithoutBinary, startEtcd } from "@tsakt/test-servers";
import { eventually } from "@tsakt/testkit";
import { startTestCluster } from "@tsakt/testkit/cluster";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe.skipIf(skipWithoutBinary("etcd"))("EtcdLease against a real etcd", () => {
  let etcd: EtcdHandle;
  const leases: EtcdLease[] = [];
  let n = 0;

  beforeAll(async () => {
    etcd = await startEtcd();
  });
  afterAll(async () => {
    for (const lease of leases.splice(0)) lease.close();
    await etcd?.stop();
  });

  function lease(key = `tsakt/test-lease-${++n}`): EtcdLease {
    const made = new EtcdLease({ endpoints: etcd.endpoints, key });
    leases.push(made);
    return made;
  }

  it("gives the lease to one owner at a time, renews it for that owner, and frees it on release", async () => {
    const key = `tsakt/test-lease-${++n}`;
    const [a, b] = [lease(key), lease(key)];
    expect(await a.acquire("side-a", 10_000)).toBe(true);
    expect(await b.acquire("side-b", 10_000)).toBe(false);
    expect(await a.acquire("side-a", 10_000)).toBe(true);
    expect(await b.holder()).toBe("side-a");
    await b.release("side-b");
    expect(await a.holder()).toBe("side-a");
    await a.release("side-a");
    expect(await b.acquire("side-b", 10_000)).toBe(true);
  });

  it("lets another owner take it once the holder's TTL ran out", async () => {
    const key = `tsakt/test-lease-${++n}`;
    const [a, b] = [lease(key), lease(key)];
    expect(await a.acquire("gone", 1000)).toBe(true);
    await eventually("the TTL to run out", async () => (await b.holder()) === undefined, { timeoutMs: 10_000, intervalMs: 100 });
    expect(await b.acquire("next", 5000)).toBe(true);
  });

  it("fails with LeaseUnavailableError when etcd does not answer, and rejects bad options", async () => {
    const dead = new EtcdLease({ endpoints: ["http://127.0.0.1:1"], timeoutMs: 300 });
    leases.push(dead);
    await expect(dead.acquire("x", 1000)).rejects.toMatchObject({ code: "LeaseUnavailable" });
    expect(() => new EtcdLease({ endpoints: [] })).toThrow(expect.objectContaining({ field: "endpoints" }));
    expect(() => new EtcdLease({ endpoints: etcd.endpoints, timeoutMs: 0 })).toThrow(expect.objectContaining({ field: "timeoutMs" }));
  });

  it("lease-majority: on a 2 | 2 split exactly one side gets the etcd lease and survives", async () => {
    const shared = lease();
    const test = await startTestCluster({
      nodes: 4,
      cluster: {
        downing: {
          strategy: "lease-majority",
          lease: shared,
          stableAfterMs: 500,
          downRemovalMarginMs: 500,
          acquireLeaseDelayForMinorityMs: 500,
        },
      },
    });
    try {
      const decisions: string[] = [];
      for (const node of test.nodes)
        node.system.eventStream.subscribe((e) => {
          if (isMessage(e, SplitBrainDecisionSchema)) decisions.push(`${node.name} ${e.decision}`);
        });
      test.partition(["n1", "n2"], ["n3", "n4"]);
      const alive = () => test.nodes.filter((x) => x.system.isRunning).map((x) => x.name);
      await eventually("one side to stop", () => alive().length === 2, { timeoutMs: 20_000, intervalMs: 50 });
      const survivors = alive();
      expect([
        ["n1", "n2"],
        ["n3", "n4"],
      ]).toContainEqual(survivors);
      await test.converged(survivors, 20_000);
      expect(await shared.holder()).toBe(survivors[0]);
      expect(decisions.sort()).toEqual(
        test.nodes.map((x) => `${x.name} ${survivors.includes(x.name) ? "down-unreachable" : "down-self"}`).sort(),
      );
    } finally {
      await test.stop();
    }
  });
});
