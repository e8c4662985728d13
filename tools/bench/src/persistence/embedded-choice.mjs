#!/usr/bin/env node
/**
 * The measurement behind @tsakt/persistence-lmdb's choice of embedded engine: better-sqlite3 12 beside lmdb on the
 * same conditional save (write only if the stored version is the expected one), in one process and in 3 processes
 * writing one file at once. Neither engine is a dependency of the repo; install them in a scratch dir first:
 *
 *   mkdir /tmp/embedded && cd /tmp/embedded && npm init -y && npm i better-sqlite3@12 lmdb@3
 *   node tools/bench/src/persistence/embedded-choice.mjs --modules /tmp/embedded [--saves 2000] [--engines sqlite-full,lmdb,…]
 *
 * node:sqlite exists only on Node 22.5+: run the script with such a node and `--engines node-sqlite`.
 *
 * Prints one table: sequential save p50/p99 (µs) and writes/s, writes/s with 100 saves in flight, and the total
 * writes/s of 3 processes writing the same file concurrently (and whether any conditional save was lost).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const modules = option("--modules", process.cwd());
const saves = Number(option("--saves", "2000"));
const only = option("--engines", "sqlite-full,sqlite-normal,lmdb,lmdb-nosync").split(",");
const requireFrom = createRequire(join(modules, "package.json"));
const payload = new Uint8Array(256).fill(7);

/** Each engine: open(file) → { save(key, bytes, expected): Promise<boolean>, close() }. */
const engines = {
  "sqlite-full": (file) => sqlite(file, "FULL"),
  "sqlite-normal": (file) => sqlite(file, "NORMAL"),
  lmdb: (file) => lmdb(file, false),
  "lmdb-nosync": (file) => lmdb(file, true),
  // Node 22.5+ only (run this script with such a node and --engines node-sqlite); Node 20 has no node:sqlite.
  "node-sqlite": (file) => nodeSqlite(file),
};

async function nodeSqlite(file) {
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(file);
  // busy_timeout first: switching to WAL needs a lock another process may hold.
  db.exec("PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL");
  db.exec("CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, version INTEGER NOT NULL, bytes BLOB NOT NULL)");
  const insert = db.prepare("INSERT INTO state (key, version, bytes) VALUES (?, 1, ?) ON CONFLICT(key) DO NOTHING");
  const update = db.prepare("UPDATE state SET version = version + 1, bytes = ? WHERE key = ? AND version = ?");
  return {
    async save(key, bytes, expected) {
      const info = expected === 0 ? insert.run(key, bytes) : update.run(bytes, key, expected);
      return Number(info.changes) === 1;
    },
    close: async () => db.close(),
  };
}

function sqlite(file, synchronous) {
  const Database = requireFrom("better-sqlite3");
  const db = new Database(file, { timeout: 10_000 });
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma("busy_timeout = 10000");
  db.exec("CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, version INTEGER NOT NULL, bytes BLOB NOT NULL)");
  const insert = db.prepare("INSERT INTO state (key, version, bytes) VALUES (?, 1, ?) ON CONFLICT(key) DO NOTHING");
  const update = db.prepare("UPDATE state SET version = version + 1, bytes = ? WHERE key = ? AND version = ?");
  return {
    async save(key, bytes, expected) {
      const info = expected === 0 ? insert.run(key, bytes) : update.run(bytes, key, expected);
      return info.changes === 1;
    },
    close: async () => db.close(),
  };
}

function lmdb(file, noSync) {
  const { open } = requireFrom("lmdb");
  const db = open({ path: file, encoding: "binary", noSync });
  return {
    save(key, bytes, expected) {
      return db.transaction(() => {
        const stored = db.get(key);
        const version = stored === undefined ? 0 : Buffer.from(stored).readUInt32LE(0);
        if (version !== expected) return false;
        const record = Buffer.allocUnsafe(4 + bytes.length);
        record.writeUInt32LE(expected + 1, 0);
        record.set(bytes, 4);
        db.put(key, record);
        return true;
      });
    },
    close: () => db.close(),
  };
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** One process's part: sequential saves (latencies), then saves with 100 in flight; returns the figures. */
async function measure(engine, file, tag, count) {
  const store = await engines[engine](file);
  const latencies = [];
  const versions = new Map();
  let lost = 0;
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const key = `${tag}-seq-${i % 100}`;
    const expected = versions.get(key) ?? 0;
    const s = performance.now();
    const ok = await store.save(key, payload, expected);
    latencies.push((performance.now() - s) * 1000);
    if (ok) versions.set(key, expected + 1);
    else lost++;
  }
  const sequentialMs = performance.now() - t0;
  const t1 = performance.now();
  let next = 0;
  const worker = async (w) => {
    let version = 0;
    while (next < count) {
      next++;
      if (await store.save(`${tag}-par-${w}`, payload, version)) version++;
      else lost++;
    }
  };
  await Promise.all(Array.from({ length: 100 }, (_, w) => worker(w)));
  const parallelMs = performance.now() - t1;
  await store.close();
  latencies.sort((a, b) => a - b);
  return {
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    seqRate: (count / sequentialMs) * 1000,
    parRate: (count / parallelMs) * 1000,
    totalMs: sequentialMs + parallelMs,
    lost,
  };
}

function runChild(engine, file, tag) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [fileURLToPath(import.meta.url), "--child", engine, file, tag, "--modules", modules, "--saves", String(saves)],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${engine} child exited ${code}`))));
  });
}

async function main() {
  if (args[0] === "--child") {
    const [, engine, file, tag] = args;
    process.stdout.write(JSON.stringify(await measure(engine, file, tag, saves)));
    return;
  }
  const rows = [];
  for (const engine of only) {
    const dir = mkdtempSync(join(tmpdir(), "tsakt-embedded-"));
    const file = join(dir, engine.startsWith("lmdb") ? "store.mdb" : "store.db");
    try {
      const solo = await runChild(engine, file, "solo");
      const t = performance.now();
      const trio = await Promise.all(["a", "b", "c"].map((tag) => runChild(engine, file, tag)));
      const trioRate = (3 * 2 * saves) / ((performance.now() - t) / 1000);
      rows.push({
        engine,
        ...solo,
        trioRate,
        trioP99: Math.max(...trio.map((r) => r.p99)),
        lost: solo.lost + trio.reduce((n, r) => n + r.lost, 0),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const fmt = (n) => (n >= 100 ? Math.round(n).toLocaleString("en") : n.toFixed(1));
  console.log(`node ${process.version}, ${saves} saves per phase, 256-byte state`);
  console.log(
    "engine          save p50 µs  save p99 µs  writes/s (1)  writes/s (100 in flight)  3 processes writes/s  3-proc p99 µs  lost",
  );
  for (const r of rows)
    console.log(
      `${r.engine.padEnd(15)} ${fmt(r.p50).padStart(11)}  ${fmt(r.p99).padStart(11)}  ${fmt(r.seqRate).padStart(12)}  ${fmt(r.parRate).padStart(24)}  ${fmt(r.trioRate).padStart(20)}  ${fmt(r.trioP99).padStart(13)}  ${r.lost}`,
    );
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
