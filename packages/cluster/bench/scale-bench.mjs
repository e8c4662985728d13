// Scale bench (opt-in: heavy): N cluster node processes (test/fixtures/cluster-node.mjs, default settings, static
// discovery) on 127.0.0.1. For each size: time from launch until every node lists all N, time from a SIGKILL until
// every survivor reported the node left, bytes each node writes per second while idle (all of it is membership
// traffic then: probes, acks, piggybacked gossip, periodic syncs; read from /proc/<pid>/io, Linux only), and memory
// per node. Then a registry of `--names` keys across 5 nodes: heap per entry, and the time until a 6th node holds its
// share of the copies. Run `npx tsc -b` first, then `node packages/cluster/bench/scale-bench.mjs [--sizes 10,25]
// [--names 100000] [--idle-ms 5000] [--wave 5]` (`--wave`: a rolling start, that many nodes at a time). `--soak
// 600000` instead runs 5 idle nodes for 10 minutes and counts member-left events (false positives: nothing is killed).
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { freePorts, until as pollUntil, startNode as startBenchNode } from "./bench-nodes.mjs";

const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "10,25" },
    names: { type: "string", default: "100000" },
    "idle-ms": { type: "string", default: "5000" },
    soak: { type: "string", default: "0" },
    wave: { type: "string", default: "0" },
  },
});
const sizes = values.sizes.split(",").map(Number);
const nameCount = Number(values.names);
const idleMs = Number(values["idle-ms"]);
/** Rolling start: nodes are launched `--wave` at a time, each wave once the previous one is ready. Default 0: all at once. */
const wave = Number(values.wave);
// Every node may collect garbage before it reports memory; waits poll every 20 ms.
const startNode = (port, peers) => startBenchNode(port, peers, { exposeGc: true });
const until = (check, ms, what) => pollUntil(check, ms, what, 20);

/** Bytes the process has written so far (all write syscalls: sockets, and the few IPC answers). */
function writtenBytes(pid) {
  return Number(/wchar:\s*(\d+)/.exec(readFileSync(`/proc/${pid}/io`, "utf8"))?.[1] ?? Number.NaN);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (bytes) => `${(bytes / 1048576).toFixed(1)} MB`;

/** Starts `count` nodes that know each other; resolves with them and the convergence times. */
async function startCluster(count, extraPorts = 0) {
  const ports = await freePorts(count + extraPorts);
  const peers = ports.map((p) => `127.0.0.1:${p}`);
  const t0 = performance.now();
  const nodes = [];
  const size = wave > 0 ? wave : count;
  for (let i = 0; i < count; i += size) {
    nodes.push(...ports.slice(i, Math.min(count, i + size)).map((port) => startNode(port, peers)));
    await until(async () => nodes.every((n) => n.events.some((e) => e.event === "ready")), 300_000, "every node ready");
  }
  const readyMs = performance.now() - t0;
  let views = [];
  try {
    await until(
      async () => {
        views = (await Promise.all(nodes.map((n) => n.request("members")))).map((m) => m.length);
        return views.every((length) => length === count);
      },
      120_000,
      "convergence",
    );
  } catch (error) {
    // Say how far it got (members each node lists, members that left its view, processes that exited), and leave no
    // process behind.
    const left = nodes.map((n) => n.events.filter((e) => e.event === "member-left").length);
    const downed = nodes.filter((n) => n.events.some((e) => e.event === "downed")).length;
    const exited = nodes.filter((n) => n.exited()).length;
    await Promise.all(nodes.map((n) => n.kill()));
    throw new Error(
      `${count} nodes, ready after ${readyMs.toFixed(0)} ms, list ${views.join("/")} members; member-left events ` +
        `per node ${left.join("/")}; ${downed} nodes downed themselves; ${exited} processes exited`,
      { cause: error },
    );
  }
  return { nodes, ports, peers, readyMs, convergedMs: performance.now() - t0 };
}

async function scale(count) {
  const { nodes, readyMs, convergedMs } = await startCluster(count);
  try {
    const before = nodes.map((n) => writtenBytes(n.pid));
    const started = performance.now();
    await new Promise((r) => setTimeout(r, idleMs));
    const seconds = (performance.now() - started) / 1000;
    const rates = nodes.map((n, i) => (writtenBytes(n.pid) - before[i]) / seconds);
    const memory = await Promise.all(nodes.map((n) => n.request("memory")));
    const victim = nodes[nodes.length - 1];
    const survivors = nodes.slice(0, -1);
    const killedAt = Date.now();
    await victim.kill();
    await until(
      async () => survivors.every((s) => s.events.some((e) => e.event === "member-left" && e.name === victim.name)),
      120_000,
      "NodeLeft on every survivor",
    );
    const detected = survivors.map((s) => s.events.find((e) => e.event === "member-left" && e.name === victim.name).at - killedAt);
    console.log(
      `${count} nodes: all ready ${readyMs.toFixed(0)} ms and all agree ${convergedMs.toFixed(0)} ms after launch ` +
        `(${(convergedMs - readyMs).toFixed(0)} ms after the last was ready); SIGKILL → NodeLeft on every survivor ` +
        `${Math.max(...detected)} ms (median survivor ${median(detected)} ms); idle writes per node ` +
        `${(median(rates) / 1024).toFixed(1)} KiB/s median, ${(Math.max(...rates) / 1024).toFixed(1)} KiB/s max; ` +
        `memory per node: heap ${mb(median(memory.map((m) => m.heapUsed)))}, RSS ${mb(median(memory.map((m) => m.rss)))} (median)`,
    );
  } finally {
    await Promise.all(nodes.map((n) => n.kill()));
  }
}

async function registry() {
  const { nodes, ports, peers } = await startCluster(5, 1);
  try {
    const heapBefore = (await Promise.all(nodes.map((n) => n.request("memory")))).reduce((sum, m) => sum + m.heapUsed, 0);
    const perNode = Math.ceil(nameCount / nodes.length);
    const putStarted = performance.now();
    await Promise.all(nodes.map((n, i) => n.request("putMany", { prefix: `n${i}-`, count: perNode, concurrency: 200 })));
    const putMs = performance.now() - putStarted;
    const heapAfter = (await Promise.all(nodes.map((n) => n.request("memory")))).reduce((sum, m) => sum + m.heapUsed, 0);
    const copies = async (list) => (await Promise.all(list.map((n) => n.request("entryCount")))).reduce((a, b) => a + b, 0);
    const total = await copies(nodes);
    const sixth = startNode(ports[5], peers);
    nodes.push(sixth);
    await until(async () => sixth.events.some((e) => e.event === "ready"), 120_000, "the 6th node ready");
    const joined = performance.now();
    let last = -1;
    let steady = 0;
    // Done when the 6th node holds copies, the number of copies in the cluster is what it was, and the 6th node's
    // count did not move for 5 polls in a row (100 ms).
    await until(
      async () => {
        const mine = await sixth.request("entryCount");
        steady = mine > 0 && mine === last ? steady + 1 : 0;
        last = mine;
        return steady >= 5 && (await copies(nodes)) === total;
      },
      300_000,
      "the 6th node's share",
    );
    const rebalanceMs = performance.now() - joined - 100;
    console.log(
      `registry, ${nameCount} names on 5 nodes: written in ${(putMs / 1000).toFixed(1)} s (${Math.round(nameCount / (putMs / 1000))}/s), ` +
        `${total} copies, heap ${((heapAfter - heapBefore) / nameCount).toFixed(0)} bytes per name (all copies, all nodes); ` +
        `a 6th node holds its share (${last} copies) ${rebalanceMs.toFixed(0)} ms after it was ready`,
    );
  } finally {
    await Promise.all(nodes.map((n) => n.kill()));
  }
}

/** 5 idle nodes for `ms`: counts false positives (a member left or suspected while every process kept running). */
async function soak(ms) {
  const { nodes } = await startCluster(5);
  try {
    await new Promise((r) => setTimeout(r, ms));
    const left = nodes.flatMap((n) => n.events.filter((e) => e.event === "member-left"));
    const views = await Promise.all(nodes.map((n) => n.request("members")));
    console.log(
      `soak: 5 idle nodes for ${(ms / 1000).toFixed(0)} s: ${left.length} member-left events (false positives); ` +
        `every node lists ${views.map((v) => v.length).join("/")} members at the end`,
    );
  } finally {
    await Promise.all(nodes.map((n) => n.kill()));
  }
}

const soakMs = Number(values.soak);
if (soakMs > 0) await soak(soakMs);
else {
  for (const count of sizes) await scale(count);
  if (nameCount > 0) await registry();
}
