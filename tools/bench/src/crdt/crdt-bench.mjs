/**
 * Replicated data types (@tsakt/crdt), in one process: merges per second for each type, and the bytes a replicator
 * would ship per update, as a delta beside the full state, for a 5-node PNCounter, an ORSet of 1,000 elements and an
 * ORMap of 100 nested counters. It runs against the built package (dist), so build first:
 *
 *   npx tsc -b && node tools/bench/src/crdt/crdt-bench.mjs [--quick] [--json]
 *
 * Each merge scenario runs one warm-up round and then 3 measured rounds (at least 200 ms each; 50 ms with --quick)
 * and reports the median. The two sides of a merge are decoded from bytes, so they share no structure, as when the
 * other side came over the network.
 */
import {
  decodeReplicatedValue,
  encodeReplicatedValue,
  Flag,
  GCounter,
  LWWRegister,
  MVRegister,
  ORMap,
  ORSet,
  PNCounter,
} from "@tsakt/crdt";

const quick = process.argv.includes("--quick");
const json = process.argv.includes("--json");
const ROUND_MS = quick ? 50 : 200;
const NODES = ["node-1", "node-2", "node-3", "node-4", "node-5"];
const ELEMENTS = 1000;
const MAP_KEYS = 100;

/** A copy that shares nothing with `value`, as if it came over the wire. */
const copy = (value) => decodeReplicatedValue(encodeReplicatedValue("k", value)).data;
const bytes = (value) => encodeReplicatedValue("k", value).length;

/** Operations per second of `op(i)` over a round of at least ROUND_MS; median of 3 rounds after a warm-up. */
function rate(op) {
  const round = () => {
    let n = 0;
    let sink = 0;
    const start = performance.now();
    let elapsed = 0;
    do {
      for (let i = 0; i < 64; i++) sink ^= op(n++) === undefined ? 1 : 0;
      elapsed = performance.now() - start;
    } while (elapsed < ROUND_MS);
    if (sink === -1) console.log("unreachable");
    return (n / elapsed) * 1000;
  };
  round();
  const rounds = [round(), round(), round()].sort((a, b) => a - b);
  return rounds[1];
}

// Representative values: five replicas have each done some of the work and the two sides of a merge differ a little.
const pn = (extra) =>
  NODES.reduce((c, node, i) => c.increment(node, 1_000_000 * (i + 1)).decrement(node, 1000 * i), PNCounter.empty()).increment(
    NODES[0],
    extra,
  );
const gc = (extra) => NODES.reduce((c, node, i) => c.increment(node, 1_000_000 * (i + 1)), GCounter.empty()).increment(NODES[1], extra);
let bigSet = ORSet.empty();
for (let i = 0; i < ELEMENTS; i++) bigSet = bigSet.add(NODES[i % NODES.length], `element-${i}`);
bigSet = bigSet.resetDelta();
let bigMap = ORMap.empty();
for (let i = 0; i < MAP_KEYS; i++) {
  const node = NODES[i % NODES.length];
  bigMap = bigMap.update(node, `key-${i}`, PNCounter.empty(), (c) => c.increment(node, i + 1));
}
bigMap = bigMap.resetDelta();
const mv = NODES.slice(0, 3).reduce((r, node) => r.merge(MVRegister.empty().set(node, `from ${node}`)), MVRegister.empty());

const pairs = [
  ["GCounter, 5 nodes", gc(1), gc(2)],
  ["PNCounter, 5 nodes", pn(1), pn(2)],
  ["LWWRegister", LWWRegister.write(NODES[0], "a", 1), LWWRegister.write(NODES[1], "b", 2)],
  ["Flag", Flag.empty(), Flag.empty().enable()],
  ["MVRegister, 3 concurrent values", mv, mv.set(NODES[3], "resolved")],
  [`ORSet, ${ELEMENTS} elements`, bigSet.add(NODES[0], "only-left"), bigSet.add(NODES[1], "only-right").remove("element-7")],
  [
    `ORMap, ${MAP_KEYS} PNCounters`,
    bigMap.update(NODES[0], "key-0", PNCounter.empty(), (c) => c.increment(NODES[0])),
    bigMap.remove("key-9"),
  ],
];

const rows = [];
for (const [name, left, right] of pairs) {
  const a = copy(left.resetDelta?.() ?? left);
  const b = copy(right.resetDelta?.() ?? right);
  rows.push({ scenario: `merge · ${name}`, unit: "merges/s", value: rate(() => a.merge(b)) });
}
// The replicator's hot path: one update's delta merged into a large replica.
const setDelta = copy(bigSet.add(NODES[2], "new").delta);
const setReplica = copy(bigSet);
rows.push({
  scenario: `mergeDelta · one add into ORSet of ${ELEMENTS}`,
  unit: "merges/s",
  value: rate(() => setReplica.mergeDelta(setDelta)),
});
const counterDelta = copy(pn(0).increment(NODES[3], 1).delta);
const counterReplica = copy(pn(0));
rows.push({
  scenario: "mergeDelta · one increment into PNCounter",
  unit: "merges/s",
  value: rate(() => counterReplica.mergeDelta(counterDelta)),
});
// Updates: each returns a new immutable value with its delta.
const pnBase = pn(0).resetDelta();
rows.push({ scenario: "update · PNCounter increment", unit: "ops/s", value: rate((i) => pnBase.increment(NODES[i % 5], 1)) });
rows.push({ scenario: `update · ORSet of ${ELEMENTS} add`, unit: "ops/s", value: rate((i) => bigSet.add(NODES[i % 5], "added")) });
rows.push({
  scenario: `update · ORMap of ${MAP_KEYS} increment one`,
  unit: "ops/s",
  value: rate((i) => bigMap.update(NODES[i % 5], "key-1", PNCounter.empty(), (c) => c.increment(NODES[i % 5]))),
});
// Encoding and decoding, which every shipped value goes through.
const setBytes = encodeReplicatedValue("k", bigSet);
rows.push({ scenario: `encode · ORSet of ${ELEMENTS}`, unit: "ops/s", value: rate(() => encodeReplicatedValue("k", setReplica)) });
rows.push({ scenario: `decode · ORSet of ${ELEMENTS}`, unit: "ops/s", value: rate(() => decodeReplicatedValue(setBytes)) });

// Bytes on the wire per update (key "k" included): the delta the update produced beside the whole new state.
const sizes = [];
function measureUpdate(name, state, update) {
  const next = update(state.resetDelta());
  sizes.push({ scenario: name, delta: bytes(next.delta), full: bytes(next) });
}
measureUpdate("PNCounter, 5 nodes · increment", pn(0), (c) => c.increment(NODES[4], 1));
measureUpdate(`ORSet of ${ELEMENTS} · add`, bigSet, (s) => s.add(NODES[4], "element-new"));
measureUpdate(`ORSet of ${ELEMENTS} · remove`, bigSet, (s) => s.remove("element-500"));
measureUpdate(`ORMap of ${MAP_KEYS} PNCounters · increment one`, bigMap, (m) =>
  m.update(NODES[4], "key-3", PNCounter.empty(), (c) => c.increment(NODES[4])),
);

if (json) {
  process.stdout.write(`${JSON.stringify({ quick, rows, sizes }, null, 2)}\n`);
} else {
  const fmt = (v) => (v >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)}k` : v.toFixed(0));
  const width = Math.max(...rows.map((r) => r.scenario.length), ...sizes.map((s) => s.scenario.length)) + 2;
  const lines = [`${"scenario".padEnd(width)}${"unit".padEnd(10)}value`];
  for (const r of rows) lines.push(`${r.scenario.padEnd(width)}${r.unit.padEnd(10)}${fmt(r.value)}`);
  lines.push("", `${"bytes per update".padEnd(width)}${"delta".padStart(8)}${"full".padStart(8)}   full ÷ delta`);
  for (const s of sizes)
    lines.push(
      `${s.scenario.padEnd(width)}${String(s.delta).padStart(8)}${String(s.full).padStart(8)}   ${(s.full / s.delta).toFixed(1)}×`,
    );
  if (quick) lines.push("", "QUICK run: rates are not meaningful");
  process.stdout.write(`${lines.join("\n")}\n`);
}
