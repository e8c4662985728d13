/**
 * The replicator (@tsakt/crdt/cluster): five cluster nodes in this process, over TCP on 127.0.0.1, with the default
 * replicator settings (gossip every 200 ms, anti-entropy every 1 s). It prints updates per second at each write
 * consistency, the convergence time (from the last update resolving to every node holding the identical value), and
 * the bytes gossiped per update with deltas beside full state. It runs against the built packages (dist), so build
 * first:
 *
 *   npx tsc -b && node tools/bench/src/crdt/replicator-bench.mjs [--quick] [--json]
 *
 * No npm library has a replicator to run beside it; the table ends with Akka Distributed Data's published defaults,
 * as text. All five nodes share one process (one core), so the rates are a floor for nodes on their own cores.
 */
import { ActorSystem, silentLogger } from "@tsakt/actor";
import { cluster, clusterOf, remotingTransport } from "@tsakt/cluster";
import { ORSet, PNCounter } from "@tsakt/crdt";
import { replicator, replicatorOf } from "@tsakt/crdt/cluster";
import { MemoryDiscoveryProvider, MemoryNetwork } from "@tsakt/discovery";
import { remoting } from "@tsakt/remote";

const quick = process.argv.includes("--quick");
const json = process.argv.includes("--json");
const NODES = 5;
const LOCAL_UPDATES = quick ? 2000 : 20_000;
const MAJORITY_UPDATES = quick ? 300 : 3000;
const BYTE_SAMPLES = quick ? 20 : 100;
const ELEMENTS = 1000;

async function until(check, what, limitMs = 30_000) {
  const start = performance.now();
  while (!(await check())) {
    if (performance.now() - start > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

async function startCluster(name, options) {
  const discovery = new MemoryNetwork();
  const systems = [];
  for (let i = 0; i < NODES; i++)
    systems.push(
      await ActorSystem.start({
        name,
        logger: silentLogger,
        plugins: [
          remoting({ host: "127.0.0.1", port: 0 }),
          cluster({ transport: remotingTransport({ name: `n${i}` }), discovery: new MemoryDiscoveryProvider({ network: discovery }) }),
          replicator(options),
        ],
      }),
    );
  await until(() => systems.every((s) => clusterOf(s).members().length === NODES), "membership");
  return systems;
}

/** Milliseconds from now until every node holds a value equal to the first node's, and that value passes `done`. */
async function convergence(replicas, key, done) {
  const start = performance.now();
  await until(async () => {
    const values = await Promise.all(replicas.map((r) => r.get(key)));
    const first = values[0];
    return first !== undefined && done(first) && values.every((v) => v?.equals(first) === true);
  }, `convergence of ${key}`);
  return performance.now() - start;
}

const rows = [];
const row = (scenario, rate, convergeMs) => rows.push({ scenario, rate, convergeMs });

const systems = await startCluster("replicator-bench", {});
const replicas = systems.map((s) => replicatorOf(s));
const inc = (c, node) => c.increment(node);

// Local updates on one node, then on all five at once.
{
  let start = performance.now();
  for (let i = 0; i < LOCAL_UPDATES; i++) await replicas[0].update("one-writer", PNCounter.empty(), inc);
  let rate = LOCAL_UPDATES / ((performance.now() - start) / 1000);
  row("PNCounter increment, local, 1 writer", rate, await convergence(replicas, "one-writer", (v) => v.value === BigInt(LOCAL_UPDATES)));

  const each = Math.floor(LOCAL_UPDATES / NODES);
  start = performance.now();
  await Promise.all(
    replicas.map(async (r) => {
      for (let i = 0; i < each; i++) await r.update("five-writers", PNCounter.empty(), inc);
    }),
  );
  rate = (each * NODES) / ((performance.now() - start) / 1000);
  row(
    `PNCounter increment, local, ${NODES} writers`,
    rate,
    await convergence(replicas, "five-writers", (v) => v.value === BigInt(each * NODES)),
  );
}

// Writes that wait for other nodes: one at a time, and 64 in flight.
for (const [consistency, inFlight] of [
  ["majority", 1],
  ["majority", 64],
  ["all", 64],
]) {
  const key = `${consistency}-${inFlight}`;
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async (_, w) => {
      while (next < MAJORITY_UPDATES) {
        next++;
        await replicas[w % NODES].update(key, PNCounter.empty(), inc, { writeConsistency: consistency });
      }
    }),
  );
  const rate = MAJORITY_UPDATES / ((performance.now() - start) / 1000);
  row(
    `PNCounter increment, ${consistency}, ${inFlight} in flight`,
    rate,
    await convergence(replicas, key, (v) => v.value === BigInt(MAJORITY_UPDATES)),
  );
}
await Promise.all(systems.map((s) => s.stop()));

// Bytes gossiped per update: one update per gossip tick, deltas on and off.
async function bytesPerUpdate(deltas) {
  const nodes = await startCluster(`bytes-${deltas}`, { deltas, gossipIntervalMs: 20 });
  const rs = nodes.map((s) => replicatorOf(s));
  const out = {};
  const big = Array.from({ length: ELEMENTS }, (_, i) => `element-${i}`);
  await rs[0].update("set", ORSet.empty(), (s, node) => big.reduce((acc, e) => acc.add(node, e), s));
  await rs[0].update("counter", PNCounter.empty(), (c) => rs.reduce((acc, r) => acc.increment(r.selfNode, 1000), c));
  await convergence(rs, "set", (v) => v.size === ELEMENTS);
  for (const [key, update] of [
    ["counter", (r, i) => r.update("counter", PNCounter.empty(), (c, node) => c.increment(node, i + 1))],
    ["set", (r, i) => r.update("set", ORSet.empty(), (s, node) => (i % 2 === 0 ? s.add(node, `new-${i}`) : s.remove(`new-${i - 1}`)))],
  ]) {
    const before = rs[0].stats();
    for (let i = 0; i < BYTE_SAMPLES; i++) {
      const sent = rs[0].stats().deltaGossipsSent;
      await update(rs[0], i);
      await until(() => rs[0].stats().deltaGossipsSent > sent, "a gossip tick");
    }
    const after = rs[0].stats();
    out[key] = (after.deltaGossipBytes - before.deltaGossipBytes) / BYTE_SAMPLES / (NODES - 1);
  }
  await Promise.all(nodes.map((s) => s.stop()));
  return out;
}
const withDeltas = await bytesPerUpdate(true);
const fullState = await bytesPerUpdate(false);

if (json) {
  console.log(JSON.stringify({ rows, bytes: { delta: withDeltas, full: fullState } }));
  process.exit(0);
}
const fmt = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0));
const lines = [
  `${NODES} nodes in one process over TCP on 127.0.0.1, default settings (gossip 200 ms, anti-entropy 1 s)${quick ? " — QUICK" : ""}`,
  "",
  `${"scenario".padEnd(44)} ${"updates/s".padStart(10)}  ${"convergence".padStart(12)}`,
  ...rows.map((r) => `${r.scenario.padEnd(44)} ${fmt(r.rate).padStart(10)}  ${`${r.convergeMs.toFixed(0)} ms`.padStart(12)}`),
  "",
  `${"bytes gossiped per update, per receiver".padEnd(44)} ${"delta".padStart(10)}  ${"full state".padStart(12)}`,
  `${`PNCounter over ${NODES} nodes`.padEnd(44)} ${withDeltas.counter.toFixed(0).padStart(10)}  ${fullState.counter.toFixed(0).padStart(12)}`,
  `${`ORSet of ${ELEMENTS} elements (add or remove)`.padEnd(44)} ${withDeltas.set.toFixed(0).padStart(10)}  ${fullState.set.toFixed(0).padStart(12)}`,
  "",
  "peer: no npm library has a replicator. Akka Distributed Data publishes no throughput figures; its defaults are",
  "gossip-interval 2 s, notify-subscribers-interval 500 ms, max-delta-elements 500, delta-crdt enabled, pruning-interval",
  "120 s, and its documentation recommends at most 100,000 top-level entries.",
];
console.log(lines.join("\n"));
process.exit(0);
