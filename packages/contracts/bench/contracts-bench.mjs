/**
 * Generated contracts beside hand-written code on the same grain: a generated client call (`Counter.of(system, id)
 * .add({ by })`) beside a hand-written `grainOf(system, kind, id).ask(create(AddRequestSchema, { by }))`, and the whole
 * generated path (client + handlers) beside a hand-written ask to a hand-written onReceive. It prints each pair's cost
 * as a ratio (time of the generated path ÷ time of the hand-written one; the limit is 1.05: under 5% more).
 * It runs against the built packages and bench/gen (target=js, written by `pnpm generate`), so build first:
 *
 *   npx tsc -b && node packages/contracts/bench/contracts-bench.mjs [--quick] [--json]
 *
 * The two sides of a pair alternate chunk by chunk (after a warm-up of each), timed in CPU time, and each round's
 * ratio pairs the two sides under the same conditions; a process reports the median over its rounds. Since V8 may
 * optimize a given run a little differently, the whole measurement runs in 3 fresh processes and the table shows the
 * median of their ratios (and each one). A control row runs the same code on both sides: the machine's noise floor.
 * --quick runs one process with fewer chunks (a smoke run; its ratios mean little); --json prints every process's rows.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { create } from "@bufbuild/protobuf";
import { ActorSystem, silentLogger } from "@tsakt/actor";
import { grainOf, grains } from "@tsakt/grains";
import { AddRequestSchema, BumpRequestSchema, CountSchema, GetRequestSchema } from "./gen/contracts/test/v1/fixture_pb.js";
import { Counter } from "./gen/contracts/test/v1/fixture_tsakt.js";

const quick = process.argv.includes("--quick");
const PROCESSES = quick ? 1 : 3;
const LIMIT = 1.05;
/** Rounds per pair; each round alternates CHUNKS chunks of each side, so both meet the same machine state. */
const ROUNDS = quick ? 3 : 15;
const CHUNKS = quick ? 2 : 10;
const ASKS = 2000; // per chunk, one at a time
const BATCH = 2000; // per chunk, all in flight
const TELLS = 20_000; // per chunk

if (!process.argv.includes("--child")) {
  // The parent: runs the measurement in fresh processes and prints one table of their medians.
  const runs = [];
  for (let p = 0; p < PROCESSES; p++) {
    const child = spawnSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), "--child", ...(quick ? ["--quick"] : [])], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      timeout: 300_000,
    });
    if (child.status !== 0) {
      console.error(`contracts bench: process ${p + 1} failed (${child.signal ?? `exit ${child.status}`})`);
      process.exit(1);
    }
    runs.push(JSON.parse(child.stdout.trim().split("\n").pop()));
  }
  if (process.argv.includes("--json")) process.stdout.write(`${JSON.stringify(runs)}\n`);
  else printTable(runs);
  process.exit(0);
}

/** Typed handlers (what a user writes against CounterHandlers). */
class TypedCounter {
  value = 0n;
  add(request) {
    this.value += request.by;
    return { value: this.value };
  }
  get() {
    return { value: this.value };
  }
  bump() {
    this.value++;
    if (this.value === bumpTarget) bumpDone();
  }
  fail() {
    throw new Error("unused");
  }
  flush() {}
}

/** The same grain written by hand: an isMessage chain and ctx.respond. */
function handCounter() {
  let value = 0n;
  return {
    onReceive(ctx) {
      if (ctx.is(AddRequestSchema)) {
        value += ctx.message.by;
        ctx.respond(create(CountSchema, { value }));
      } else if (ctx.is(GetRequestSchema)) ctx.respond(create(CountSchema, { value }));
      else if (ctx.is(BumpRequestSchema)) {
        value++;
        if (value === bumpTarget) bumpDone();
      }
    },
  };
}

let bumpTarget = -1n;
let bumpDone = () => {};

const system = await ActorSystem.start({
  name: "contracts-bench",
  logger: silentLogger,
  askTimeoutMs: 60_000,
  plugins: [
    grains({
      kinds: {
        [Counter.kind]: Counter.grain(() => new TypedCounter(), { longLived: true }),
        hand: { longLived: true, factory: handCounter },
      },
    }),
  ],
});

const typedClient = Counter.of(system, "a");
const handOnTyped = grainOf(system, Counter.kind, "a");
const handOnHand = grainOf(system, "hand", "a");
await typedClient.get();
await handOnHand.ask(create(GetRequestSchema));

/**
 * CPU seconds (user + system) this process spends on `fn`: on a machine shared with other work, wall time mostly
 * measures waiting for a core, CPU time what the code costs. A minor GC first empties the young generation, so each
 * chunk pays for the garbage it makes itself rather than for its predecessor's.
 */
async function seconds(fn) {
  globalThis.gc?.({ type: "minor" });
  const start = process.cpuUsage();
  await fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Times `generated` and `hand` (each one chunk of work) chunk by chunk in alternation; returns the medians over the
 * rounds of each side's seconds per round, and the median of the rounds' ratios (generated ÷ hand), which pairs
 * each round's two sides and so cancels most of what changes between rounds.
 */
async function pair(generated, hand) {
  for (let i = 0; i < CHUNKS; i++) {
    await generated();
    await hand();
  }
  const g = [];
  const h = [];
  for (let r = 0; r < ROUNDS; r++) {
    let sg = 0;
    let sh = 0;
    for (let c = 0; c < CHUNKS; c++) {
      // A random order per chunk: a fixed pattern could line up with periodic work (GC, timers) and favour one side.
      if (Math.random() < 0.5) {
        sg += await seconds(generated);
        sh += await seconds(hand);
      } else {
        sh += await seconds(hand);
        sg += await seconds(generated);
      }
    }
    g.push(sg);
    h.push(sh);
  }
  return { generated: median(g), hand: median(h), ratio: median(g.map((x, i) => x / h[i])) };
}

const sequential = (call) => async () => {
  for (let i = 0; i < ASKS; i++) await call();
};
const inFlight = (call) => () => {
  const batch = new Array(BATCH);
  for (let i = 0; i < BATCH; i++) batch[i] = call();
  return Promise.all(batch);
};
/** One chunk of tells to the grain of `kind` "a", until its handler counted them all. */
const tells = (tell, kind) => async () => {
  const base = (await grainOf(system, kind, "a").ask(create(GetRequestSchema))).value;
  bumpTarget = base + BigInt(TELLS);
  const done = new Promise((resolve) => (bumpDone = resolve));
  for (let i = 0; i < TELLS; i++) tell();
  await done;
};

const rows = [];
/** Records one pair: per-operation values of both sides (µs per ask, or operations per CPU second) and the cost ratio. */
function row(scenario, perChunk, unit, result, control = false) {
  const n = perChunk * CHUNKS;
  const perOp = (s) => (unit === "µs" ? (s / n) * 1e6 : n / s);
  rows.push({ scenario, unit, control, generated: perOp(result.generated), hand: perOp(result.hand), ratio: result.ratio });
}

const by = { by: 1n };
// The noise floor: the same hand-written ask on both sides. Its distance from 1 is what this machine adds to every row.
row(
  "control: hand ask vs the same hand ask, 1 at a time",
  ASKS,
  "µs",
  await pair(
    sequential(() => handOnTyped.ask(create(AddRequestSchema, by))),
    sequential(() => handOnTyped.ask(create(AddRequestSchema, by))),
  ),
  true,
);
row(
  `client call vs hand ask, same typed grain, 1 at a time`,
  ASKS,
  "µs",
  await pair(
    sequential(() => typedClient.add(by)),
    sequential(() => handOnTyped.ask(create(AddRequestSchema, by))),
  ),
);
row(
  `client call vs hand ask, same typed grain, ${BATCH} in flight`,
  BATCH,
  "ask/s",
  await pair(
    inFlight(() => typedClient.add(by)),
    inFlight(() => handOnTyped.ask(create(AddRequestSchema, by))),
  ),
);
row(
  `Counter.of(…).add vs grainOf(…).ask per call, ${BATCH} in flight`,
  BATCH,
  "ask/s",
  await pair(
    inFlight(() => Counter.of(system, "a").add(by)),
    inFlight(() => grainOf(system, Counter.kind, "a").ask(create(AddRequestSchema, by))),
  ),
);
row(
  `client + handlers vs hand ask + onReceive, 1 at a time`,
  ASKS,
  "µs",
  await pair(
    sequential(() => typedClient.add(by)),
    sequential(() => handOnHand.ask(create(AddRequestSchema, by))),
  ),
);
row(
  `client + handlers vs hand ask + onReceive, ${BATCH} in flight`,
  BATCH,
  "ask/s",
  await pair(
    inFlight(() => typedClient.add(by)),
    inFlight(() => handOnHand.ask(create(AddRequestSchema, by))),
  ),
);
row(
  `tell: client + handlers vs hand tell + onReceive`,
  TELLS,
  "msg/s",
  await pair(
    tells(() => typedClient.bump(), Counter.kind),
    tells(() => handOnHand.tell(create(BumpRequestSchema)), "hand"),
  ),
);
await system.stop();

process.stdout.write(`${JSON.stringify(rows)}\n`);

function format(value) {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)}k`;
  return value.toFixed(2);
}

/** Prints the median over processes of each row. */
function printTable(runs) {
  const table = runs[0].map((first, i) => {
    const all = runs.map((run) => run[i]);
    const ratio = median(all.map((r) => r.ratio));
    // The values shown are those of the process with the median ratio, so the row reads consistently.
    const shown = all.find((r) => r.ratio === ratio) ?? first;
    return [
      first.scenario,
      first.unit,
      format(shown.generated),
      format(shown.hand),
      `${ratio.toFixed(3)}×`,
      all.map((r) => r.ratio.toFixed(3)).join(" "),
      first.control ? "" : ratio <= LIMIT ? "✓" : "✗",
    ];
  });
  const header = ["scenario", "unit", "generated", "hand-written", "cost", "per process", `≤ ${LIMIT}`];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(line(header));
  for (const r of table) console.log(line(r));
  console.log(
    `\nnode ${process.version}; CPU time; per side ${CHUNKS} chunks (${ASKS} sequential asks, ${BATCH} asks in flight or ${TELLS} tells)` +
      ` per round, alternating with the other side; median of ${ROUNDS} rounds per process, median of ${PROCESSES} process(es)` +
      `${quick ? " (--quick: too short to mean much)" : ""}. "cost" is the generated path's CPU time ÷ the hand-written one's:` +
      ` below ${LIMIT} means under ${Math.round((LIMIT - 1) * 100)}% more. The control row runs the same code on both sides.`,
  );
}
