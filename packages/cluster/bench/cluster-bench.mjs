// Cluster bench: nodes are separate OS processes (test/fixtures/cluster-node.mjs) on 127.0.0.1 with static discovery
// and default cluster settings. Prints the time for 5 nodes to converge, the time from SIGKILL to the dead node's
// relocated actors answering, and tell-by-name throughput across nodes. Run `npx tsc -b` at the repo root first,
// or `pnpm bench --only cluster`, or `node packages/cluster/bench/cluster-bench.mjs [--nodes 5] [--actors 20] [--tells 200000]`.
import { parseArgs } from "node:util";
import { freePorts, startNode, until } from "./bench-nodes.mjs";

const { values } = parseArgs({
  options: {
    nodes: { type: "string", default: "5" },
    actors: { type: "string", default: "20" },
    tells: { type: "string", default: "200000" },
  },
});
const nodeCount = Number(values.nodes);
const actorCount = Number(values.actors);
const tellCount = Number(values.tells);

const nodes = [];
try {
  const ports = await freePorts(nodeCount);
  const peers = ports.map((p) => `127.0.0.1:${p}`);
  const t0 = performance.now();
  nodes.push(...ports.map((port) => startNode(port, peers)));
  const readyMs = await until(async () => nodes.every((n) => n.events.some((e) => e.event === "ready")), 30_000, "every node ready");
  const convergeMs = await until(
    async () => (await Promise.all(nodes.map((n) => n.request("members")))).every((m) => m.length === nodeCount),
    30_000,
    "convergence",
  );
  console.log(
    `converge: ${nodeCount} nodes ready in ${readyMs.toFixed(0)} ms, all agree on membership ${(performance.now() - t0).toFixed(0)} ms after launch (${convergeMs.toFixed(0)} ms after ready)`,
  );

  const [sender, receiver] = nodes;
  await receiver.request("spawnOn", { name: "sink", options: { placement: "local" } });
  const { total, ms } = await sender.request("tells", { name: "sink", count: tellCount });
  console.log(`tell by name across nodes: ${total} tells in ${ms.toFixed(0)} ms = ${Math.round((total / ms) * 1000)} msg/s`);

  const victim = nodes[nodes.length - 1];
  const survivors = nodes.filter((n) => n !== victim);
  for (let i = 0; i < actorCount; i++) await victim.request("spawnOn", { name: `mover-${i}`, options: { placement: "local" } });
  const killedAt = Date.now();
  const killed = performance.now();
  await victim.kill();
  nodes.pop();
  await until(
    async () => survivors.every((s) => s.events.some((e) => e.event === "member-left" && e.name === victim.name)),
    30_000,
    "NodeLeft everywhere",
  );
  const detected = Math.max(
    ...survivors.map((s) => s.events.find((e) => e.event === "member-left" && e.name === victim.name).at - killedAt),
  );
  const asker = survivors[0];
  const answering = async (i) => typeof (await asker.request("ask", { name: `mover-${i}`, timeoutMs: 300 })) === "string";
  for (let i = 0; i < actorCount; i++) await until(() => answering(i), 30_000, `mover-${i} answers`);
  console.log(
    `relocation: NodeLeft on every survivor ${detected} ms after SIGKILL; all ${actorCount} relocated actors answer ${(performance.now() - killed).toFixed(0)} ms after SIGKILL`,
  );
} finally {
  await Promise.all(nodes.map((n) => n.kill()));
}
