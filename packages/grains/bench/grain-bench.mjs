/**
 * Grains on one node, beside a plain actor doing the same work: tell throughput to an active grain, ask round
 * trips (one at a time and 1,000 in flight), grainOf-per-message tells, the activation rate of new identities, and
 * asks to a grain owned by another node (two cluster nodes in this process over TCP on 127.0.0.1) beside asks to a
 * plain remote actor.
 * It runs against the built packages (dist), so build first:
 *
 *   cd packages/grains && npx tsc -b && node bench/grain-bench.mjs [--quick] [--part local|activation|remote]
 *
 * Each scenario runs one warm-up round and then 3 measured rounds (5 across nodes, grain and actor rounds alternating)
 * and reports the median; --quick shrinks N;
 * --part runs only the one-node tell and ask rows, only the activation row, or only the rows across nodes.
 */

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { create } from "@bufbuild/protobuf";
import { file_google_protobuf_wrappers, StringValueSchema } from "@bufbuild/protobuf/wkt";
import { ActorSystem, silentLogger } from "@tsakt/actor";
import { clusterOf, cluster as clusterPlugin, remotingTransport } from "@tsakt/cluster";
import { MemoryDiscoveryProvider, MemoryNetwork } from "@tsakt/discovery";
import { remoteOf, remoting } from "@tsakt/remote";
import { clusterGrains } from "../dist/cluster.js";
import { grainOf, grains } from "../dist/index.js";

// gc() for the heap-kept row without needing --expose-gc on the command line (pnpm bench starts this script plainly).
setFlagsFromString("--expose-gc");
const gc = globalThis.gc ?? runInNewContext("gc");

const quick = process.argv.includes("--quick");
const partAt = process.argv.indexOf("--part");
const part = partAt < 0 ? undefined : process.argv[partAt + 1];
const runs = (name) => part === undefined || part === name;
const scale = quick ? 0.05 : 1;
const TELLS = Math.round(1_000_000 * scale);
const ASKS = Math.round(100_000 * scale);
const BATCHES = Math.round(200 * scale);
const BATCH = 1000;
const ACTIVATIONS = Math.round(50_000 * scale);
const KEPT = Math.round(20_000 * scale);
const REMOTE_ASKS = Math.round(10_000 * scale);
const REMOTE_BATCHES = Math.round(50 * scale);
const REMOTE_ROUNDS = 5;
const MSG = Object.freeze({ type: "msg" });

/** A counter both sides use: `done` resolves once `expected` messages arrived. */
function counter(expected) {
  let n = 0;
  let resolve;
  const done = new Promise((r) => (resolve = r));
  return { done, tick: () => ++n === expected && resolve() };
}

/** Runs `round` once to warm up and 3 more times; returns the median of the measured values. */
async function measure(round) {
  await round();
  const values = [];
  for (let i = 0; i < 3; i++) values.push(await round());
  return values.sort((a, b) => a - b)[1];
}

/** Elapsed seconds of `fn`. */
async function seconds(fn) {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

let round = 0;
let sink = { tick() {} };
const system = await ActorSystem.start({
  name: "grain-bench",
  logger: silentLogger,
  askTimeoutMs: 60_000,
  plugins: [
    grains({
      kinds: {
        sink: { longLived: true, factory: () => ({ onReceive: (ctx) => (ctx.message === MSG ? sink.tick() : ctx.respond(MSG)) }) },
      },
    }),
  ],
});
const actor = await system.spawnFunc("sink", (ctx) => {
  if (ctx.message === MSG) sink.tick();
  else if (ctx.message === "ask") ctx.respond(MSG);
});
const grain = grainOf(system, "sink", "one");
await grain.ask("ask");

const rows = [];
function row(scenario, unit, grainValue, actorValue, higherIsBetter = true) {
  const ratio = actorValue === undefined ? "" : `${(higherIsBetter ? grainValue / actorValue : actorValue / grainValue).toFixed(2)}×`;
  rows.push([scenario, unit, format(grainValue, unit), actorValue === undefined ? "" : format(actorValue, unit), ratio]);
}

function format(value, unit) {
  if (unit === "bytes") return value.toFixed(0);
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)}k`;
  return value.toFixed(2);
}

async function tellRate(target) {
  return measure(async () => {
    sink = counter(TELLS);
    const s = await seconds(async () => {
      for (let i = 0; i < TELLS; i++) target.tell(MSG);
      await sink.done;
    });
    return TELLS / s;
  });
}

async function askLatencyUs(target) {
  return measure(async () => {
    const s = await seconds(async () => {
      for (let i = 0; i < ASKS; i++) await target.ask("ask");
    });
    return (s / ASKS) * 1e6;
  });
}

async function concurrentAskRate(target) {
  return measure(async () => {
    const batch = new Array(BATCH);
    const s = await seconds(async () => {
      for (let b = 0; b < BATCHES; b++) {
        for (let i = 0; i < BATCH; i++) batch[i] = target.ask("ask");
        await Promise.all(batch);
      }
    });
    return (BATCHES * BATCH) / s;
  });
}

if (runs("local")) {
  const tellGrain = await tellRate(grain);
  const tellActor = await tellRate(actor);
  row(`tell 1→1 (N=${TELLS})`, "msg/s", tellGrain, tellActor);

  const lookupTell = await measure(async () => {
    sink = counter(TELLS);
    const s = await seconds(async () => {
      for (let i = 0; i < TELLS; i++) grainOf(system, "sink", "one").tell(MSG);
      await sink.done;
    });
    return TELLS / s;
  });
  row(`grainOf(…).tell per message (N=${TELLS})`, "msg/s", lookupTell, tellActor);

  const askGrain = await askLatencyUs(grain);
  const askActor = await askLatencyUs(actor);
  row(`ask round trip, one at a time (N=${ASKS})`, "µs", askGrain, askActor, false);

  const batchGrain = await concurrentAskRate(grain);
  const batchActor = await concurrentAskRate(actor);
  row(`ask, ${BATCH} in flight (N=${BATCHES * BATCH})`, "ask/s", batchGrain, batchActor);
}
if (runs("activation")) {
  // Each round activates ACTIVATIONS new identities of a long-lived kind in a system of its own (stopped after the
  // round, so the grains of earlier rounds do not weigh on the next), and times it by CPU as well as wall clock:
  // process.cpuUsage is what other jobs on a shared machine disturb least. The actor column does the same with
  // spawned actors, each told one message.
  const freshKinds = {
    fresh: { longLived: true, activationTimeoutMs: 60_000, factory: () => ({ onReceive: () => sink.tick() }) },
  };
  const activationSystem = () =>
    ActorSystem.start({ name: "grain-bench-activation", logger: silentLogger, plugins: [grains({ kinds: freshKinds })] });
  const activateAll = (s, n, r) => {
    for (let i = 0; i < n; i++) grainOf(s, "fresh", `r${r}-${i}`).tell(MSG);
  };
  const spawnAll = async (s, n, r) => {
    for (let i = 0; i < n; i++) (await s.spawnFunc(`spawned-${r}-${i}`, () => sink.tick())).tell(MSG);
  };
  /** Wall and CPU time of `work` on a new system, each in µs per item, as [wall, cpu]. */
  async function timed(work, n) {
    const s = await activationSystem();
    const r = ++round;
    sink = counter(n);
    const cpu = process.cpuUsage();
    const wall = performance.now();
    await work(s, n, r);
    await sink.done;
    const wallUs = ((performance.now() - wall) * 1000) / n;
    const used = process.cpuUsage(cpu);
    await s.stop();
    return [wallUs, (used.user + used.system) / n];
  }
  async function rates(work) {
    await timed(work, ACTIVATIONS);
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await timed(work, ACTIVATIONS));
    const median = (k) => runs.map((x) => x[k]).sort((a, b) => a - b)[1];
    return { wallUs: median(0), cpuUs: median(1) };
  }
  /** Heap still used after `work` and a full GC, per item (a new system; its earlier garbage collected first). */
  async function keptBytes(work) {
    const s = await activationSystem();
    await work(s, 100, ++round); // the first of each kind of object is not what we count
    await new Promise((resolve) => setTimeout(resolve, 50)); // what the last system left behind settles first
    gc();
    gc();
    const before = process.memoryUsage().heapUsed;
    sink = counter(KEPT);
    await work(s, KEPT, ++round);
    await sink.done;
    await new Promise((resolve) => setTimeout(resolve, 50));
    gc();
    const bytes = (process.memoryUsage().heapUsed - before) / KEPT;
    await s.stop();
    return bytes;
  }
  const grainTimes = await rates(activateAll);
  const actorTimes = await rates(spawnAll);
  row(`activations of new identities (N=${ACTIVATIONS}): CPU`, "µs/act", grainTimes.cpuUs, actorTimes.cpuUs, false);
  row(`  same, per CPU-second`, "act/s", 1e6 / grainTimes.cpuUs, 1e6 / actorTimes.cpuUs);
  row(`  same, wall clock`, "act/s", 1e6 / grainTimes.wallUs, 1e6 / actorTimes.wallUs);
  row(`heap kept per active grain (N=${KEPT}, after gc())`, "bytes", await keptBytes(activateAll), await keptBytes(spawnAll), false);
}

await system.stop();

if (runs("remote")) {
  // Two cluster nodes; the grain and the plain actor live on B, the asks come from A.
  const discovery = new MemoryNetwork();
  async function clusterNode(name) {
    const types = [file_google_protobuf_wrappers];
    return ActorSystem.start({
      name: "grain-bench",
      logger: silentLogger,
      askTimeoutMs: 60_000,
      plugins: [
        remoting({ host: "127.0.0.1", port: 0, types }),
        clusterPlugin({ transport: remotingTransport({ name }), discovery: new MemoryDiscoveryProvider({ network: discovery }) }),
        clusterGrains({
          kinds: { echo: { longLived: true, factory: () => ({ onReceive: (ctx) => ctx.respond(ctx.message) }) } },
        }),
      ],
    });
  }
  const nodeA = await clusterNode("a");
  const nodeB = await clusterNode("b");
  for (let i = 0; i < 1000 && [nodeA, nodeB].some((n) => clusterOf(n).members().length < 2); i++)
    await new Promise((r) => setTimeout(r, 10));
  const PING = create(StringValueSchema, { value: "ping" });
  await grainOf(nodeB, "echo", "far").ask(PING);
  const remoteGrain = grainOf(nodeA, "echo", "far");
  await nodeB.spawnFunc("echo", (ctx) => ctx.respond(ctx.message));
  const remoteActor = remoteOf(nodeA).pidOf(`${nodeB.addressPrefix}/user/echo`);
  await remoteGrain.ask(PING);
  await remoteActor.ask(PING);

  // Both nodes run in this process, so its CPU time (process.cpuUsage, which other jobs on a shared machine disturb
  // far less than the wall clock) is the whole cost of an ask on both sides. Grain and actor rounds alternate, so a
  // change in the machine's load weighs on both columns alike.
  /** Wall and CPU µs per ask of `work` (which makes `n` asks), as [wall, cpu]. */
  async function timedAsks(work, n) {
    const cpu = process.cpuUsage();
    const s = await seconds(work);
    const used = process.cpuUsage(cpu);
    return [(s / n) * 1e6, (used.user + used.system) / n];
  }
  /** One warm-up round of each, then REMOTE_ROUNDS alternating rounds: the medians of wall and CPU µs per ask of each. */
  async function alternate(work, n) {
    await timedAsks(() => work(remoteGrain), n);
    await timedAsks(() => work(remoteActor), n);
    const grainRuns = [];
    const actorRuns = [];
    for (let i = 0; i < REMOTE_ROUNDS; i++) {
      grainRuns.push(await timedAsks(() => work(remoteGrain), n));
      actorRuns.push(await timedAsks(() => work(remoteActor), n));
    }
    const median = (runs, k) => runs.map((v) => v[k]).sort((x, y) => x - y)[Math.floor(runs.length / 2)];
    return {
      grain: { wallUs: median(grainRuns, 0), cpuUs: median(grainRuns, 1) },
      actor: { wallUs: median(actorRuns, 0), cpuUs: median(actorRuns, 1) },
    };
  }
  const one = await alternate(async (target) => {
    for (let i = 0; i < REMOTE_ASKS; i++) await target.ask(PING);
  }, REMOTE_ASKS);
  row(`grain ask across nodes, one at a time (N=${REMOTE_ASKS})`, "µs", one.grain.wallUs, one.actor.wallUs, false);
  row(`  same, CPU per ask`, "µs", one.grain.cpuUs, one.actor.cpuUs, false);
  const batch = new Array(BATCH);
  const many = await alternate(async (target) => {
    for (let b = 0; b < REMOTE_BATCHES; b++) {
      for (let i = 0; i < BATCH; i++) batch[i] = target.ask(PING);
      await Promise.all(batch);
    }
  }, REMOTE_BATCHES * BATCH);
  row(
    `grain ask across nodes, ${BATCH} in flight (N=${REMOTE_BATCHES * BATCH})`,
    "ask/s",
    1e6 / many.grain.wallUs,
    1e6 / many.actor.wallUs,
  );
  row(`  same, per CPU-second`, "ask/s", 1e6 / many.grain.cpuUs, 1e6 / many.actor.cpuUs);
  await nodeA.stop();
  await nodeB.stop();
}

const header = ["scenario", "unit", "grain", "actor", "grain vs actor"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
console.log(line(header));
for (const r of rows) console.log(line(r));
console.log(
  `\nnode ${process.version}; median of 3 rounds after a warm-up${quick ? " (--quick)" : ""}. "grain vs actor" > 1× means the grain is faster.`,
);
console.log(
  "The actor column of the activation rows is `await system.spawnFunc` one at a time, then one tell, the nearest plain-actor analogue.",
);
console.log("Across nodes the actor column asks a plain actor on the other node through a remote PID.");
