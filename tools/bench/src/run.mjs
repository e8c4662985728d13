#!/usr/bin/env node
/**
 * `pnpm bench`: runs every scenario against TsAkt, nact and xstate, each (library, scenario) pair in its own
 * child process, and prints one table with TsAkt's advantage over each peer.
 *
 *   node tools/bench/src/run.mjs [--quick] [--only <scenario>[,<scenario>…]] [--libs tsakt,nact,xstate] [--json]
 *
 * --quick  small N and no 1M spawn: a smoke run of the harness (its numbers mean little).
 * --only   scenario ids (tell, fanout, pingpong, ask, spawn-100k, spawn-1m, lag) or a workload (spawn).
 * --json   print the results as JSON on stdout instead of the table (progress always goes to stderr).
 * Exits 1 when a TsAkt scenario failed; a peer's OOM, timeout or error is shown in the table.
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { CAP_MS, LIBRARIES, scenarios } from "./plan.mjs";
import { advantage, formatTable, formatValue, legend } from "./report.mjs";

const CHILD = fileURLToPath(new URL("./child.mjs", import.meta.url));
/** The installed version of a library, for the table's heading. */
function versionOf(lib) {
  const path = lib === "tsakt" ? "../../../packages/actor/package.json" : `../node_modules/${lib}/package.json`;
  try {
    return JSON.parse(readFileSync(new URL(path, import.meta.url), "utf8")).version;
  } catch {
    return "?";
  }
}

/** Every child gets the same heap ceiling, so "OOM" means the same thing for every library. */
const NODE_FLAGS = ["--expose-gc", "--max-old-space-size=4096"];

function parseArgs(argv) {
  const args = { quick: false, json: false, only: undefined, libs: LIBRARIES };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") args.quick = true;
    else if (a === "--json") args.json = true;
    else if (a === "--only") args.only = split(argv[++i], "--only");
    else if (a.startsWith("--only=")) args.only = split(a.slice(7), "--only");
    else if (a === "--libs") args.libs = split(argv[++i], "--libs");
    else if (a.startsWith("--libs=")) args.libs = split(a.slice(7), "--libs");
    else if (a === "--help" || a === "-h") {
      process.stdout.write("usage: run.mjs [--quick] [--only <scenario>[,…]] [--libs tsakt,nact,xstate] [--json]\n");
      process.exit(0);
    } else throw new Error(`unknown argument "${a}"; try --help`);
  }
  for (const lib of args.libs) if (!LIBRARIES.includes(lib)) throw new Error(`unknown library "${lib}" (known: ${LIBRARIES.join(", ")})`);
  if (args.libs[0] !== "tsakt") args.libs = ["tsakt", ...args.libs.filter((l) => l !== "tsakt")];
  return args;
}

function split(value, flag) {
  if (value === undefined || value === "") throw new Error(`${flag} needs a value`);
  return value.split(",").map((s) => s.trim());
}

/**
 * Runs one child and classifies its end: metrics, "OOM" (V8 heap exhausted), "timeout" (killed at capMs)
 * or "error".
 * @returns {Promise<{ status: "ok" | "OOM" | "timeout" | "error", metrics?: Record<string, number>, note?: string, ms: number }>}
 */
function runChild(lib, scenario, capMs) {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...NODE_FLAGS, CHILD, lib, scenario.workload, JSON.stringify(scenario.params)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-8000)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, capMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      if (timedOut) return resolve({ status: "timeout", note: `killed after ${capMs / 1000} s`, ms });
      if (/heap out of memory|Allocation failed|OutOfMemory/i.test(stderr)) return resolve({ status: "OOM", ms });
      const last = stdout.trim().split("\n").pop() ?? "";
      try {
        const parsed = JSON.parse(last);
        if (parsed.ok) return resolve({ status: "ok", metrics: parsed.metrics, ms });
        return resolve({ status: "error", note: String(parsed.error).split("\n")[0], ms });
      } catch {
        const why = signal ? `signal ${signal}` : `exit code ${code}`;
        return resolve({ status: "error", note: `${why}: ${stderr.trim().split("\n").slice(-1)[0] ?? ""}`, ms });
      }
    });
  });
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  let plan = scenarios(args.quick);
  if (args.only !== undefined) {
    const wanted = new Set(args.only);
    plan = plan.filter((s) => wanted.has(s.id) || wanted.has(s.workload));
    if (
      plan.length === 0 &&
      !["remote", "cluster", "failover", "grains", "contracts", "persistence", "crdt", "replicator", "delivery", "streams", "multidc"].some(
        (id) => wanted.has(id),
      )
    )
      throw new Error(
        `--only matched no scenario (known: ${scenarios(args.quick)
          .map((s) => s.id)
          .join(", ")}, remote, cluster, failover, grains, contracts, persistence, crdt, replicator, delivery, streams, multidc)`,
      );
  }
  const capMs = args.quick ? CAP_MS.quick : CAP_MS.full;
  const total = plan.length * args.libs.length;
  const t0 = performance.now();
  const rows = [];
  const notes = [];
  let step = 0;
  for (const scenario of plan) {
    const scenarioRows = scenario.rows.map((r) => ({ scenario: scenario.id, ...r, cells: {} }));
    for (const lib of args.libs) {
      step++;
      if (scenario.libs !== undefined && !scenario.libs.includes(lib)) {
        process.stderr.write(`[${step}/${total}] ${scenario.id} · ${lib} … not applicable\n`);
        continue;
      }
      process.stderr.write(`[${step}/${total}] ${scenario.id} · ${lib} … `);
      const result = await runChild(lib, scenario, capMs);
      const shown = scenario.rows
        .map((r) => (result.status === "ok" ? `${formatValue(result.metrics[r.metric])} ${r.unit}` : result.status))
        .join(", ");
      process.stderr.write(`${shown} (${(result.ms / 1000).toFixed(1)} s)\n`);
      if (result.note) notes.push(`${scenario.id} · ${lib}: ${result.status}: ${result.note}`);
      for (const row of scenarioRows) {
        const value = result.metrics?.[row.metric];
        row.cells[lib] =
          result.status === "ok" && typeof value === "number" && Number.isFinite(value)
            ? { status: "ok", value }
            : { status: result.status === "ok" ? "error" : result.status };
      }
    }
    rows.push(...scenarioRows);
  }
  const seconds = (performance.now() - t0) / 1000;
  const failed = rows.some((r) => r.cells.tsakt?.status !== "ok");

  if (args.json) {
    const peers = args.libs.slice(1);
    const out = {
      quick: args.quick,
      node: process.version,
      cpus: os.cpus().length,
      seconds,
      libraries: args.libs,
      versions: Object.fromEntries(args.libs.map((l) => [l, versionOf(l)])),
      rows: rows.map((r) => ({ ...r, advantage: Object.fromEntries(peers.map((p) => [p, advantage(r, p) ?? null])) })),
      notes,
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else if (plan.length > 0) {
    const cpu = os.cpus()[0]?.model ?? "unknown cpu";
    process.stdout.write(
      [
        "",
        `${args.libs.map((l) => `${l} ${versionOf(l)}`).join(" vs ")} — node ${process.version}, ${os.cpus().length}× ${cpu}${args.quick ? " — QUICK (smoke run, numbers not meaningful)" : ""}`,
        "",
        formatTable(rows, args.libs),
        "",
        legend(args.libs),
        ...notes.map((n) => `note: ${n}`),
        `total ${seconds.toFixed(0)} s`,
        "",
      ].join("\n"),
    );
  }
  // Multi-process benches print their own tables after the local one; they are not part of --json.
  let extraFailed = false;
  for (const bench of EXTRA_BENCHES)
    if (!args.json && (args.only === undefined || args.only.includes(bench.id)))
      extraFailed = runExtraBench(bench, args.quick) || extraFailed;
  process.exitCode = failed || extraFailed ? 1 : 0;
}

/**
 * Benches across processes: remote messaging beside comedy (here in src/remote), and the cluster and grain benches,
 * which sit next to the test fixtures they start (packages/cluster/bench, packages/grains/bench).
 */
const EXTRA_BENCHES = [
  {
    id: "remote",
    title: "remote · tsakt and comedy, two processes on 127.0.0.1",
    script: "./remote/remote-bench.mjs",
    quick: ["--tells", "50000", "--asks", "1000", "--comedy-tells", "5000", "--comedy-asks", "300", "--connects", "20"],
  },
  {
    id: "cluster",
    title: "cluster · node processes on 127.0.0.1: convergence, SIGKILL to relocated actors answering, tell by name",
    script: "../../../packages/cluster/bench/cluster-bench.mjs",
    quick: ["--nodes", "3", "--actors", "5", "--tells", "20000"],
  },
  {
    id: "failover",
    title: "failover · 5 node processes in network namespaces (root): 2|3 partition and SIGKILL to removal and to every name answering",
    script: "../../../packages/cluster/bench/failover-bench.mjs",
    quick: ["--quick"],
  },
  {
    id: "grains",
    title: "grains · ask and tell on one node, ask across nodes, activation rate",
    script: "../../../packages/grains/bench/grain-bench.mjs",
    quick: ["--quick"],
  },
  {
    id: "multidc",
    title:
      "multidc · two datacenters of two node processes (NATS control plane): ask and tell across beside within a datacenter, death to INACTIVE",
    script: "../../../packages/multidc/bench/multidc-bench.mjs",
    quick: ["--quick"],
  },
  {
    id: "contracts",
    title: "contracts · generated client and handlers (protoc-gen-tsakt) beside hand-written asks on the same grain",
    script: "../../../packages/contracts/bench/contracts-bench.mjs",
    quick: ["--quick"],
  },
  {
    id: "persistence",
    title:
      "persistence · state save latency and writes/s, 10,000-event replay, grain state writes beside a plain grain call, actor recovery with and without snapshots: memory, lmdb, postgres (and a plain pg INSERT)",
    script: "./persistence/persistence-bench.mjs",
    quick: ["--quick"],
  },
  {
    id: "crdt",
    title: "crdt · merges per second per type, bytes per update as a delta beside the full state",
    script: "./crdt/crdt-bench.mjs",
    quick: ["--quick"],
  },
  {
    id: "replicator",
    title: "replicator · 5 cluster nodes: updates/s per write consistency, convergence time, bytes gossiped per update",
    script: "./crdt/replicator-bench.mjs",
    quick: ["--quick"],
  },
  {
    id: "delivery",
    title: "delivery · reliable delivery beside plain tell, in one process and across two on 127.0.0.1",
    script: "./delivery/delivery-bench.mjs",
    quick: ["--quick"],
  },
  {
    id: "streams",
    title: "streams · stream throughput across two processes on 127.0.0.1, beside plain remote tell",
    script: "./streams/streams-bench.mjs",
    quick: ["--quick"],
  },
];

/** Runs one multi-process bench script (smaller counts with --quick); true when it failed. */
function runExtraBench(bench, quick) {
  const script = fileURLToPath(new URL(bench.script, import.meta.url));
  process.stderr.write(`${bench.title} …\n`);
  process.stdout.write(`\n${bench.title}\n`);
  const result = spawnSync(process.execPath, [script, ...(quick ? bench.quick : [])], { stdio: "inherit", timeout: 300_000 });
  return result.status !== 0;
}

main().catch((error) => {
  process.stderr.write(`bench: ${error.message}\n`);
  process.exitCode = 2;
});
