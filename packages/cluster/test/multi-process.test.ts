import { eventually } from "@tsakt/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { type ProcessNode, type ProcessNodeConfig, startProcessCluster } from "./process-nodes.js";

/** One answer the observer recorded: which node answered `name`, when the ask was sent and when the answer came. */
interface Answer {
  name: string;
  node: string;
  sent: number;
  at: number;
}

describe("a cluster of separate OS processes (static discovery)", () => {
  const nodes: ProcessNode[] = [];

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.kill()));
  });

  const startCluster = (count: number, extra: Partial<ProcessNodeConfig> = {}) => startProcessCluster(nodes, count, extra);

  async function answersFrom(node: ProcessNode, name: string): Promise<string> {
    return node.request<string>("ask", { name, timeoutMs: 500 });
  }

  it("converges with three and with five nodes, all agreeing on one leader", async () => {
    for (const count of [3, 5]) {
      const cluster = await startCluster(count);
      const leaders = await Promise.all(cluster.map((n) => n.request<string>("leader")));
      expect(new Set(leaders).size).toBe(1);
      await Promise.all(nodes.splice(0).map((n) => n.kill()));
    }
  });

  it("downs a SIGKILLed node within 6 s by default, relocates its actors and singleton, and loses no registry entry", async () => {
    const cluster = await startCluster(3);
    const leaderName = await (cluster[0] as ProcessNode).request<string>("leader");
    const victim = cluster.find((n) => n.name === leaderName) as ProcessNode;
    const survivors = cluster.filter((n) => n !== victim);
    const [s1, s2] = survivors as [ProcessNode, ProcessNode];
    await victim.request("spawnOn", { name: "mover", options: { placement: "local" } });
    await victim.request("spawnOn", { name: "pinned", options: { placement: "local", relocatable: false } });
    await s1.request("singleton", { name: "boss" });
    expect(await answersFrom(s1, "boss")).toBe(`${victim.name}:hi`);
    // Entries owned by the survivors, spread over partitions so some have their primary or backup on the victim.
    const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`);
    await Promise.all(keys.map((key, i) => (i % 2 === 0 ? s1 : s2).request("put", { key })));

    const killedAt = await victim.kill();
    const left = await Promise.all(survivors.map((s) => s.waitFor((e) => e.event === "member-left" && e.name === victim.name, 10_000)));
    for (const event of left) {
      expect(event.status).toBe("down");
      // Unreachable after a failed probe and 1 s of suspicion, then 1.5 s stable and 1.5 s of removal margin.
      expect(event.at - killedAt).toBeLessThanOrEqual(6500);
    }
    // One lookup right after NodeLeft: actorOf waits out the relocation (lookupRetryMs) instead of failing.
    for (const name of ["mover", "boss"]) {
      const host = await s1.request<string>("ask", { name, timeoutMs: 1000 });
      expect(survivors.map((s) => `${s.name}:hi`)).toContain(host);
      expect(await answersFrom(s2, name)).toBe(host);
    }
    expect(await answersFrom(s1, "boss")).toBe(`${await s1.request<string>("leader")}:hi`);
    await expect(s1.request("ask", { name: "pinned", timeoutMs: 300 })).rejects.toMatchObject({ code: "ActorNotFound" });
    const owners = await Promise.all(keys.map((key) => s2.request<string>("get", { key })));
    expect(owners).toEqual(keys.map((_, i) => (i % 2 === 0 ? s1 : s2).name));
  });

  it("keeps a kind's spawn options (bounded mailbox, stop-on-failure supervisor) when its actor relocates to another process", async () => {
    const cluster = await startCluster(3, { fast: true });
    const [first] = cluster as [ProcessNode];
    await first.request("spawnOn", { name: "guard", kind: "guarded", options: { placement: "local" } });
    expect(await first.request<number>("fill", { name: "guard" })).toBe(2);
    const survivors = cluster.slice(1);
    await first.kill();
    // The relocated actor answers from a survivor.
    let host: ProcessNode | undefined;
    await eventually(
      "the guard to answer from a survivor",
      async () => {
        const reply = await (survivors[0] as ProcessNode)
          .request<string>("ask", { name: "guard", message: "hi", timeoutMs: 500 })
          .catch(() => "");
        host = survivors.find((s) => reply === `${s.name}:hi`);
        return host !== undefined;
      },
      { timeoutMs: 15_000, intervalMs: 50 },
    );
    const relocatedTo = host as ProcessNode;
    expect(await relocatedTo.request<boolean>("isLocal", { name: "guard" })).toBe(true);
    // Its mailbox is still bounded at 2 ...
    expect(await relocatedTo.request<number>("fill", { name: "guard" })).toBe(2);
    // ... and its supervisor still stops it on a failure (the default supervisor would restart it).
    await relocatedTo.request("tell", { name: "guard", message: "boom" });
    await eventually("the guard to stop after failing", async () => !(await relocatedTo.request<boolean>("isLocal", { name: "guard" })));
  });

  it("hands over on cluster.stop(): 50 relocatable actors move and no name is ever answered by two nodes at once", async () => {
    const [a, b, c] = (await startCluster(3, { fast: true })) as [ProcessNode, ProcessNode, ProcessNode];
    const names = Array.from({ length: 50 }, (_, i) => `h${i}`);
    await a.request("spawnMany", { prefix: "h", count: 50 });
    expect(await a.request<number>("localCount", { names })).toBe(50);
    const observing = Promise.all([b, c].map((n) => n.request<Answer[]>("observe", { names, durationMs: 6000 }, 30_000)));
    await a.request<boolean>("leaveCluster", {}, 15_000);
    // Its copies stopped; its system still runs.
    expect(await a.request<number>("localCount", { names })).toBe(0);
    const log = (await observing).flat();
    for (const name of names) {
      const answers = log.filter((x) => x.name === name).sort((x, y) => x.at - y.at);
      const fromA = answers.filter((x) => x.node === a.name);
      const elsewhere = answers.filter((x) => x.node !== a.name);
      // Every name answered from a survivor in the end, and never from a after a survivor answered it.
      expect(elsewhere.length, name).toBeGreaterThan(0);
      if (fromA.length > 0) expect(Math.max(...fromA.map((x) => x.at)), name).toBeLessThan(Math.min(...elsewhere.map((x) => x.sent)));
      expect(new Set(elsewhere.map((x) => x.node)).size, name).toBe(1);
    }
  });

  it("gives exactly one actor when two nodes race to spawn the same name", async () => {
    const [a, b] = await startCluster(2, { fast: true });
    for (let round = 0; round < 5; round++) {
      const name = `race-${round}`;
      const results = await Promise.allSettled(
        [a, b].map((n) => (n as ProcessNode).request("spawnOn", { name, options: { placement: "local" } })),
      );
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      expect((results.find((r) => r.status === "rejected") as PromiseRejectedResult).reason).toMatchObject({ code: "ActorAlreadyExists" });
      const local = await Promise.all([a, b].map((n) => (n as ProcessNode).request<boolean>("isLocal", { name })));
      expect(local.filter(Boolean)).toHaveLength(1);
    }
  });

  it("loses nothing when a node leaves gracefully: its actors move and every registry entry stays", async () => {
    const cluster = await startCluster(3, { fast: true });
    const [a, b, leaver] = cluster as [ProcessNode, ProcessNode, ProcessNode];
    for (let i = 0; i < 4; i++) await leaver.request("spawnOn", { name: `worker-${i}`, options: { placement: "local" } });
    const keys = Array.from({ length: 30 }, (_, i) => `entry-${i}`);
    await Promise.all(keys.map((key, i) => (i % 2 === 0 ? a : b).request("put", { key })));
    await leaver.leave();
    await a.waitFor((e) => e.event === "member-left" && e.name === leaver.name && e.status === "left", 5000);
    for (let i = 0; i < 4; i++) {
      await eventually(`worker-${i} answers again`, async () => /^127\.0\.0\.1:\d+:hi$/.test(await answersFrom(a, `worker-${i}`)));
      expect([`${a.name}:hi`, `${b.name}:hi`]).toContain(await answersFrom(b, `worker-${i}`));
    }
    const owners = await Promise.all(keys.map((key) => a.request<string>("get", { key })));
    expect(owners).toEqual(keys.map((_, i) => (i % 2 === 0 ? a : b).name));
  });
});
