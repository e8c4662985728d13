import { afterEach, describe, expect, it } from "vitest";
import { type ProcessNode, startProcessCluster } from "./process-nodes.js";

// Lifeguard in practice, with default settings: a node whose event loop is about 80% busy with local work answers
// probes late, so its peers' direct probes sometimes time out; it must refute any suspicion (its suspicion waits for
// confirmations) and never be downed, while a node that really died is downed on every survivor.
describe("failure detection under load (separate OS processes, default settings)", () => {
  const nodes: ProcessNode[] = [];

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.kill()));
  });

  it("does not down a node whose event loop is 80% busy, and downs a SIGKILLed one", async () => {
    const cluster = await startProcessCluster(nodes, 5);
    const [busy, , , , victim] = cluster as [ProcessNode, ProcessNode, ProcessNode, ProcessNode, ProcessNode];
    const others = cluster.filter((n) => n !== busy && n !== victim);
    // 200 ms of work, 50 ms off, for 10 s: probes of it wait up to 200 ms for its loop (longer than pingTimeoutMs), and
    // its own timers run late.
    await busy.request("busy", { durationMs: 10_000, blockMs: 200, idleMs: 50 });
    await new Promise((r) => setTimeout(r, 1000));
    await victim.kill();
    // Bounded by the waits: the dead node is downed on every survivor, the busy one included.
    for (const node of [...others, busy]) await node.waitFor((e) => e.event === "member-left" && e.name === victim.name, 15_000);
    const utilization = await busy.request<number>("busyDone", {}, 30_000);
    // The load was real (timers on this shared machine run late, so the loop may be busier than 80%, never idle).
    expect(utilization).toBeGreaterThan(0.6);
    for (const node of others) {
      expect(
        node.events.filter((e) => e.event === "member-left" && e.name === busy.name),
        node.logs,
      ).toEqual([]);
      expect(await node.request<string[]>("members")).toContain(busy.name);
    }
    expect(await busy.request<string[]>("members")).toEqual(
      others
        .map((n) => n.name)
        .concat(busy.name)
        .sort(),
    );
  });
});
