import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LineChild } from "@tsakt/test-servers";
import { eventually } from "@tsakt/testkit";
import { afterEach, describe, expect, it } from "vitest";

const fixture = fileURLToPath(new URL("./fixtures/counter-node.mjs", import.meta.url));
const loader = fileURLToPath(new URL("./fixtures/register-dist.mjs", import.meta.url));

interface Line {
  ready?: boolean;
  hostPort?: string;
  seq?: number;
  members?: number;
  value?: unknown;
  error?: string;
}

/** A node process of fixtures/counter-node.mjs (over the built dist), driven over stdin. */
class CounterNode extends LineChild<Line> {
  constructor(
    readonly name: string,
    peers: readonly string[],
    path: string,
  ) {
    super({ fixture, loader, env: { COUNTER_NODE: JSON.stringify({ name, peers, path }) }, label: `counter node ${name}` });
  }
}

type Counted = { count: number; sum: number; node: string };

describe("event-sourced actors relocated after a SIGKILL (3 node processes, one LMDB directory)", () => {
  const nodes: CounterNode[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.stop()));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("re-creates the killed node's counters on survivors with every acknowledged event", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tsakt-relocation-"));
    dirs.push(dir);
    const path = join(dir, "store");
    const n1 = await new CounterNode("n1", [], path).started();
    nodes.push(n1);
    const n2 = await new CounterNode("n2", [n1.hostPort], path).started();
    nodes.push(n2);
    const n3 = await new CounterNode("n3", [n1.hostPort, n2.hostPort], path).started();
    nodes.push(n3);
    await eventually(
      "3 members",
      async () => (await Promise.all(nodes.map((n) => n.command({ op: "members" })))).every((l) => l.members === 3),
      { timeoutMs: 15_000, intervalMs: 200 },
    );

    const names = Array.from({ length: 30 }, (_, i) => `counter-${i}`);
    expect((await n1.command({ op: "spawn", names })).error).toBeUndefined();
    // 10 acknowledged increments (1..10) per counter, asked from n1.
    await Promise.all(
      names.map(async (name) => {
        for (let amount = 1; amount <= 10; amount++) {
          const reply = await n1.command({ op: "ask", name, message: amount });
          expect(reply.error).toBeUndefined();
        }
      }),
    );
    const before = await Promise.all(names.map(async (name) => (await n1.command({ op: "ask", name, message: "get" })).value as Counted));
    const onVictim = names.filter((_, i) => before[i]?.node === "n3");
    expect(onVictim.length).toBeGreaterThan(0);

    n3.kill();
    const answers = new Map<string, Counted>();
    await eventually(
      "every counter of the killed node to answer from a survivor",
      async () => {
        await Promise.all(
          onVictim
            .filter((name) => !answers.has(name))
            .map(async (name) => {
              const reply = await n2.command({ op: "ask", name, message: "get", timeoutMs: 1000 });
              if (reply.error === undefined) answers.set(name, reply.value as Counted);
            }),
        );
        return answers.size === onVictim.length;
      },
      { timeoutMs: 40_000, intervalMs: 200 },
    );
    for (const name of onVictim) {
      const counted = answers.get(name) as Counted;
      expect(["n1", "n2"]).toContain(counted.node);
      expect({ name, count: counted.count, sum: counted.sum }).toEqual({ name, count: 10, sum: 55 });
    }
    // And they go on from there.
    expect((await n1.command({ op: "ask", name: onVictim[0], message: 100 })).value).toBe(155);
  }, 120_000);
});
