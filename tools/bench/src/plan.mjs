/**
 * What `pnpm bench` runs: the scenarios, their sizes (full and --quick), and the table rows they produce.
 * Sizes are the same for every library; only the number of measured rounds adapts (see stats.medianOfRounds).
 */

/** Libraries in table order; the first is the one the ratios are about. */
export const LIBRARIES = ["tsakt", "nact", "xstate"];

/** Longest a (library, scenario) child may run before it is killed and shown as "timeout". */
export const CAP_MS = { full: 60_000, quick: 30_000 };

const fullRounds = { warmup: 1, minRounds: 3, maxRounds: 30, minMs: 500, budgetMs: 15_000 };
const quickRounds = { warmup: 1, minRounds: 1, maxRounds: 3, minMs: 50, budgetMs: 2_000 };

/**
 * @typedef {object} Row
 * @property {string} metric Key in the workload's result.
 * @property {string} label Printed in the first column.
 * @property {string} unit Printed unit.
 * @property {"higher" | "lower"} better Which way is better; ratios are oriented so that > 1 favours TsAkt.
 *
 * @typedef {object} Scenario
 * @property {string} id Name for --only (a workload name selects all its scenarios).
 * @property {string} workload Function of workloads.mjs.
 * @property {object} params Arguments of the workload.
 * @property {Row[]} rows
 * @property {string[]} [libs] Libraries that have the feature; others show "—". Default: all.
 */

/** The scenarios for a full run or a quick smoke run (small N, no 1M spawn). @returns {Scenario[]} */
export function scenarios(quick) {
  const rounds = quick ? quickRounds : fullRounds;
  const n = quick ? 50_000 : 1_000_000;
  const spawnSizes = quick ? [10_000] : [100_000, 1_000_000];
  return [
    {
      id: "tell",
      workload: "tell",
      params: { n, rounds },
      rows: [{ metric: "rate", label: `tell 1→1 (N=${count(n)})`, unit: "msg/s", better: "higher" }],
    },
    {
      id: "fanout",
      workload: "fanout",
      params: { n, actors: 100, rounds },
      rows: [{ metric: "rate", label: `fan-out 1→100 (N=${count(n)})`, unit: "msg/s", better: "higher" }],
    },
    {
      id: "pingpong",
      workload: "pingpong",
      params: { n: n / 5, rounds },
      rows: [{ metric: "rate", label: `ping-pong (N=${count(n / 5)})`, unit: "exch/s", better: "higher" }],
    },
    {
      id: "ask",
      workload: "ask",
      params: quick ? { n: 5_000, warmup: 500 } : { n: 100_000, warmup: 10_000 },
      rows: [
        { metric: "p50", label: "ask latency p50", unit: "µs", better: "lower" },
        { metric: "p99", label: "ask latency p99", unit: "µs", better: "lower" },
      ],
    },
    ...spawnSizes.map((size) => ({
      id: `spawn-${count(size).toLowerCase()}`,
      workload: "spawn",
      params: { count: size, stop: false },
      rows: [
        { metric: "rate", label: `spawn ${count(size)} idle`, unit: "actors/s", better: "higher" },
        { metric: "bytes", label: `  heap per idle actor @${count(size)}`, unit: "bytes", better: "lower" },
      ],
    })),
    {
      id: "router",
      workload: "router",
      params: { n, routees: 10, rounds },
      libs: ["tsakt"],
      rows: [
        { metric: "rate", label: `router round-robin →10 (N=${count(n)})`, unit: "msg/s", better: "higher" },
        { metric: "plain", label: "  plain tell 1→1, same run", unit: "msg/s", better: "higher" },
        { metric: "ratio", label: "  router ÷ plain tell", unit: "×", better: "higher" },
      ],
    },
    {
      id: "batch",
      workload: "batch",
      params: { n, batch: 1000, rounds },
      libs: ["tsakt"],
      rows: [
        { metric: "rate", label: `batchTell ×1000 1→1 (N=${count(n)})`, unit: "msg/s", better: "higher" },
        { metric: "plain", label: "  loop of tell 1→1, same run", unit: "msg/s", better: "higher" },
        { metric: "ratio", label: "  batchTell ÷ loop of tell", unit: "×", better: "higher" },
      ],
    },
    {
      id: "by-name",
      workload: "byName",
      params: { n, rounds },
      libs: ["tsakt"],
      rows: [
        { metric: "rate", label: `tell by name 1→1 (N=${count(n)})`, unit: "msg/s", better: "higher" },
        { metric: "plain", label: "  tell to a held PID, same run", unit: "msg/s", better: "higher" },
        { metric: "ratio", label: "  by name ÷ held PID", unit: "×", better: "higher" },
      ],
    },
    {
      id: "lag",
      workload: "lag",
      params: quick ? { ms: 300, inflight: 1000, rounds: 1 } : { ms: 1_500, inflight: 1000, rounds: 3 },
      rows: [
        { metric: "p99", label: "event-loop lag p99 (flood)", unit: "ms", better: "lower" },
        { metric: "rate", label: "  flood throughput", unit: "msg/s", better: "higher" },
      ],
    },
  ];
}

/** 1000000 → "1M", 100000 → "100k". */
export function count(n) {
  if (n >= 1_000_000 && n % 1_000_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 1_000 && n % 1_000 === 0) return `${n / 1_000}k`;
  return String(n);
}
