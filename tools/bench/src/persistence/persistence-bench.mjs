#!/usr/bin/env node
/**
 * Persistence backends side by side: state save latency (p50/p99) and writes/s with 1 writer and with 100 writers at
 * once, and the time to replay 10,000 events, for the in-memory stores, the embedded LMDB store and PostgreSQL; a plain
 * `pg` INSERT on the same server is printed beside the PostgreSQL rows as the floor no store on it can beat. On top of
 * each backend, the framework: a grain ask that writes grain state (1 grain, 100 grains at once), as a multiple of the
 * same ask to a plain in-memory grain, and the recovery of an event-sourced actor from 10,000 events with and without
 * snapshots.
 * PostgreSQL runs with fsync on (durable) on a random loopback port in a temp dir (tools/test-servers); when its binary
 * is missing that part is skipped with the reason printed. It runs against the built packages (dist):
 *
 *   npx tsc -b && node tools/bench/src/persistence/persistence-bench.mjs [--quick] [--json]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryEventJournal, MemorySnapshotStore, MemoryStateStore } from "@tsakt/persistence";
import { LmdbEventJournal, LmdbSnapshotStore, LmdbStateStore } from "@tsakt/persistence-lmdb";
import { PostgresEventJournal, PostgresSnapshotStore, PostgresStateStore } from "@tsakt/persistence-postgres";
import { findBinary, startPostgres } from "@tsakt/test-servers";
import pg from "pg";
import { grainRows, recoveryRows } from "./state-rows.mjs";

const quick = process.argv.includes("--quick");
const json = process.argv.includes("--json");
const SEQUENTIAL = quick ? 200 : 2000;
const CONCURRENT = quick ? 500 : 5000;
const WRITERS = 100;
const EVENTS = quick ? 1000 : 10_000;
const POOL = 10;
const payload = new Uint8Array(256).fill(42);
const GRAIN_SIZES = quick ? { sequential: 200, concurrent: 500 } : { sequential: 2000, concurrent: 5000 };

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Runs `total` calls of `save(writer, i)` spread over `writers` loops that each await their own call; latency per call. */
async function drive(total, writers, save) {
  const latencies = new Float64Array(total);
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = next++; i < total; i = next++) {
        const t = performance.now();
        await save(w, i);
        latencies[i] = (performance.now() - t) * 1000;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  latencies.sort();
  return { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), rate: total / seconds };
}

/** Conditional saves through a StateStore: each writer owns a key and chains its versions. */
async function stateRows(label, store) {
  const run = `${label}-${process.pid}-${Date.now()}`;
  const rows = [];
  for (const [writers, total] of [
    [1, SEQUENTIAL],
    [WRITERS, CONCURRENT],
  ]) {
    const versions = new Array(writers).fill(0);
    const warm = `${run}-warm-${writers}`;
    for (let i = 0; i < 20; i++) await store.save(warm, payload, i);
    const result = await drive(total, writers, async (w) => {
      versions[w] = await store.save(`${run}-${writers}-${w}`, payload, versions[w]);
    });
    rows.push({ backend: label, scenario: `state save, ${writers} writer${writers > 1 ? "s" : ""}`, ...result });
  }
  return rows;
}

/** Appends EVENTS events in batches of 100, then replays them all three times; the median replay time. */
async function replayRow(label, journal) {
  const pid = `${label}-replay-${process.pid}-${Date.now()}`;
  let highest = 0;
  for (let b = 0; b < EVENTS / 100; b++)
    highest = await journal.append(
      pid,
      Array.from({ length: 100 }, () => ({ bytes: payload.subarray(0, 100), typeName: "bench.Event" })),
      highest,
    );
  const times = [];
  for (let round = 0; round < 3; round++) {
    const start = performance.now();
    let n = 0;
    for await (const _ of journal.replay(pid, 1)) n++;
    if (n !== EVENTS) throw new Error(`${label}: replayed ${n} of ${EVENTS} events`);
    times.push(performance.now() - start);
  }
  const ms = times.sort((a, b) => a - b)[1];
  return { backend: label, scenario: `replay ${EVENTS.toLocaleString("en")} events`, ms, rate: (EVENTS / ms) * 1000 };
}

/** The floor: a plain INSERT through pg with the same pool size, 1 and 100 callers. */
async function pgFloorRows(url) {
  const pool = new pg.Pool({ connectionString: url, max: POOL });
  pool.on("error", () => undefined);
  try {
    await pool.query("CREATE TABLE IF NOT EXISTS bench_floor (k text PRIMARY KEY, v bytea NOT NULL)");
    const data = Buffer.from(payload);
    const rows = [];
    for (const [writers, total] of [
      [1, SEQUENTIAL],
      [WRITERS, CONCURRENT],
    ]) {
      const result = await drive(total, writers, (_writer, i) =>
        pool.query("INSERT INTO bench_floor (k, v) VALUES ($1, $2)", [`${writers}-${i}`, data]),
      );
      rows.push({ backend: "pg INSERT (floor)", scenario: `plain insert, ${writers} writer${writers > 1 ? "s" : ""}`, ...result });
    }
    return rows;
  } finally {
    await pool.end();
  }
}

const fmt = (n) => (n === undefined ? "" : n >= 100 ? Math.round(n).toLocaleString("en") : n.toFixed(1));

/** Grain state rows of one backend, each with its p50 as a multiple of the plain grain call at the same concurrency. */
async function frameworkRows(label, store, journal, snapshots, plain) {
  const rows = await grainRows(label, store, GRAIN_SIZES);
  for (const [i, row] of rows.entries()) row.vsPlain = row.p50 / plain[i].p50;
  return [...rows, ...(await recoveryRows(label, journal, snapshots, EVENTS))];
}

function print(rows, notes) {
  const header = ["backend", "scenario", "p50 µs", "p99 µs", "per second", "ms", "p50 × plain grain"];
  const ratio = (n) => (n === undefined ? "" : `${n.toFixed(1)}×`);
  const cells = rows.map((r) => [r.backend, r.scenario, fmt(r.p50), fmt(r.p99), fmt(r.rate), fmt(r.ms), ratio(r.vsPlain)]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => c.map((v, i) => (i < 2 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join("  ");
  console.log(`node ${process.version}${quick ? " — QUICK (smoke run, numbers not meaningful)" : ""}; 256-byte state, 100-byte events`);
  console.log(line(header));
  for (const c of cells) console.log(line(c));
  for (const note of notes) console.log(`note: ${note}`);
}

async function main() {
  const rows = [];
  const notes = [];
  const plain = await grainRows("memory", undefined, GRAIN_SIZES);
  rows.push(...plain);
  {
    const state = new MemoryStateStore();
    const journal = new MemoryEventJournal();
    rows.push(...(await stateRows("memory", state)), await replayRow("memory", journal));
    rows.push(...(await frameworkRows("memory", state, journal, new MemorySnapshotStore(), plain)));
  }
  const dir = mkdtempSync(join(tmpdir(), "tsakt-bench-lmdb-"));
  try {
    const path = join(dir, "store");
    const state = new LmdbStateStore({ path });
    const journal = new LmdbEventJournal({ path });
    const snapshots = new LmdbSnapshotStore({ path });
    rows.push(...(await stateRows("lmdb", state)), await replayRow("lmdb", journal));
    rows.push(...(await frameworkRows("lmdb", state, journal, snapshots, plain)));
    await Promise.all([state.close(), journal.close(), snapshots.close()]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (findBinary("postgres") === undefined) {
    notes.push("postgres skipped: no postgres binary on PATH or in /usr/lib/postgresql/*/bin (Debian: apt-get install postgresql)");
  } else {
    const server = await startPostgres({ durable: true, args: ["-c", "max_connections=50"] });
    try {
      const state = new PostgresStateStore({ connectionString: server.url, maxConnections: POOL });
      const journal = new PostgresEventJournal({ connectionString: server.url, maxConnections: POOL });
      const snapshots = new PostgresSnapshotStore({ connectionString: server.url, maxConnections: 2 });
      rows.push(...(await stateRows("postgres", state)), await replayRow("postgres", journal));
      rows.push(...(await frameworkRows("postgres", state, journal, snapshots, plain)));
      await Promise.all([state.close(), journal.close(), snapshots.close()]);
      rows.push(...(await pgFloorRows(server.url)));
      notes.push(`postgres: fsync on, pool of ${POOL} connections for the store and for the floor`);
    } finally {
      await server.stop();
    }
  }
  notes.push("lmdb: fsync on every commit (noSync: false); concurrent saves share LMDB write transactions");
  notes.push(
    "grain rows: an ask to a grain that adds to its Int64Value state and awaits ctx.writeState() before replying; " +
      "p50 × plain grain = its p50 ÷ that of the same ask to a grain without state (memory, same concurrency)",
  );
  notes.push(
    "actor recovery: spawn of an EventSourcedActor until preStart recovered (median of 3); with snapshots every 1,500 it loads the one at 9,000 and replays 1,000 events",
  );
  if (json) process.stdout.write(`${JSON.stringify({ quick, rows, notes }, null, 2)}\n`);
  else print(rows, notes);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
