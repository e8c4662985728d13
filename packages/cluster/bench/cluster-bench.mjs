// Cluster bench: nodes are separate OS processes (test/fixtures/cluster-node.mjs) on 127.0.0.1 with static discovery
// and default cluster settings. Prints the time for 5 nodes to converge, the time from SIGKILL to the dead node's
// relocated actors answering, and tell-by-name throughput across nodes. Run `npx tsc -b` at the repo root first,
// or `pnpm bench --only cluster`, or `node packages/cluster/bench/cluster-bench.mjs [--nodes 5] [--actors 20] [--tells 200000]`.
import { fork } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

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
const fixture = fileURLToPath(new URL("../test/fixtures/cluster-node.mjs", import.meta.url));
const loader = fileURLToPath(new URL("../test/fixtures/register-dist.mjs", import.meta.url));
// With the workspace links in place (pnpm install), the nodes resolve @tsakt/* to the built packages by themselves:
// the module hooks of the loader run on a separate thread for every import and double a node's start-up CPU, which
// five nodes starting at once on two cores pay in wall time. A deployment has no such hooks.
const linked = existsSync(fileURLToPath(new URL("../node_modules/@tsakt/remote/package.json", import.meta.url)));
const execArgv = linked ? [] : ["--import", loader];

/** A free loopback port (closed again before the node binds it). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts one node process; returns a handle with request(op, args), events and kill(). */
function startNode(port, peers) {
  const child = fork(fixture, [], {
    execArgv,
    env: { ...process.env, TSAKT_CLUSTER_NODE: JSON.stringify({ port, peers }) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const pending = new Map();
  const events = [];
  let nextId = 1;
  child.on("message", (m) => {
    if (m.event !== undefined) return void events.push(m);
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.ok) p?.resolve(m.value);
    else p?.reject(Object.assign(new Error(m.error.message), { code: m.error.code }));
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return {
    name: `127.0.0.1:${port}`,
    events,
    request(op, args = {}) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.send({ id, op, ...args });
      });
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

/** Polls `check` every 10 ms for at most `ms`; returns the elapsed ms. */
async function until(check, ms, what) {
  const started = performance.now();
  for (;;) {
    if (await check().catch(() => false)) return performance.now() - started;
    if (performance.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const nodes = [];
try {
  const ports = await Promise.all(Array.from({ length: nodeCount }, freePort));
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
