import { fileURLToPath } from "node:url";
import { eventually } from "@tsakt/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { freePorts, LineChild } from "../../../tools/test-servers/src/index.js";

const fixture = fileURLToPath(new URL("./fixtures/placement-node.mjs", import.meta.url));
const loader = fileURLToPath(new URL("./fixtures/register-dist.mjs", import.meta.url));

interface Answer {
  id: string;
  activation?: string;
  error?: string;
}

interface Activation {
  id: string;
  activation: string;
}

/** A placement-node process driven over stdin/stdout with JSON lines. */
class Node extends LineChild<{ ready?: boolean; seq?: number; value?: unknown; error?: string }> {
  private constructor(
    readonly name: string,
    config: Record<string, unknown>,
  ) {
    super({ fixture, loader, env: { PLACEMENT_NODE: JSON.stringify({ name, ...config }) }, label: name });
  }

  static start(name: string, config: Record<string, unknown>): Promise<Node> {
    return new Node(name, config).started();
  }

  async request<T>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    const answer = await this.command({ op, ...args });
    if (answer.error !== undefined) throw new Error(`${this.name} ${op}: ${answer.error}`);
    return answer.value as T;
  }
}

const ids = Array.from({ length: 1000 }, (_, i) => `acct-${i}`);

/** Activations by id across `nodes`' logs. */
async function activationsById(nodes: readonly Node[]): Promise<Map<string, string[]>> {
  const byId = new Map<string, string[]>();
  for (const node of nodes)
    for (const a of await node.request<Activation[]>("activations")) byId.set(a.id, [...(byId.get(a.id) ?? []), a.activation]);
  return byId;
}

describe.each([
  { placement: "local" },
  { placement: "round-robin" },
  { placement: "random" },
  { placement: "least-load" },
  { placement: "local", role: "hosts" },
])("grains under placement $placement (role $role), 3 node processes", ({ placement, role }) => {
  const nodes: Node[] = [];

  afterEach(() => {
    for (const node of nodes.splice(0)) node.kill();
  });

  it("activates 1,000 identities exactly once when all nodes call them first at once, and once more each after a SIGKILL of the busiest", async () => {
    const ports = await freePorts(3);
    const peers = ports.map((p) => `127.0.0.1:${p}`);
    const names = ["n1", "n2", "n3"];
    // With a role, only n2 and n3 host grains; n1 calls them.
    const started = await Promise.all(
      names.map((name, i) =>
        Node.start(name, { port: ports[i], peers, placement, role, roles: role !== undefined && name !== "n1" ? [role] : [] }),
      ),
    );
    nodes.push(...started);
    await eventually(
      "three members everywhere",
      async () => (await Promise.all(nodes.map((n) => n.request<number>("members")))).every((m) => m === 3),
      {
        timeoutMs: 15_000,
        intervalMs: 100,
      },
    );

    const answers = (await Promise.all(nodes.map((n) => n.request<Answer[]>("callAll", { ids })))).flat();
    const errors: Record<string, number> = {};
    for (const a of answers) if (a.error !== undefined) errors[a.error] = (errors[a.error] ?? 0) + 1;
    expect(errors).toEqual({});
    const first = await activationsById(nodes);
    expect(first.size).toBe(1000);
    for (const id of ids) {
      expect(first.get(id), id).toHaveLength(1);
      for (const a of answers.filter((x) => x.id === id)) expect(a.activation, id).toBe(first.get(id)?.[0]);
    }
    const hosts = new Map(names.map((n) => [n, [...first.values()].filter((list) => list[0]?.startsWith(`${n}#`)).length]));
    if (role !== undefined) expect(hosts.get("n1")).toBe(0);
    if (placement === "round-robin" || placement === "random" || placement === "least-load")
      for (const n of names) expect(hosts.get(n), n).toBeGreaterThan(100);

    // SIGKILL the node hosting the most; survivors call everything until every call succeeds.
    const busiest = [...hosts].sort((a, b) => b[1] - a[1])[0]?.[0] as string;
    const victim = nodes.find((n) => n.name === busiest) as Node;
    victim.kill();
    const survivors = nodes.filter((n) => n !== victim);
    const lost = ids.filter((id) => first.get(id)?.[0]?.startsWith(`${busiest}#`));
    expect(lost.length).toBeGreaterThan(0);
    await eventually(
      "every identity to answer from the survivors",
      async () =>
        (await Promise.all(survivors.map((n) => n.request<Answer[]>("callAll", { ids, timeoutMs: 3000 }))))
          .flat()
          .every((a) => a.error === undefined),
      { timeoutMs: 40_000, intervalMs: 200 },
    );
    const after = await activationsById(survivors);
    for (const id of lost) expect(after.get(id), id).toHaveLength(1);
    for (const id of ids.filter((x) => !lost.includes(x))) expect(after.get(id), id).toEqual(first.get(id));
  }, 120_000);
});
