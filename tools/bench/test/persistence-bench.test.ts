import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { findBinary } from "@tsakt/test-servers";
import { beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const script = fileURLToPath(new URL("../src/persistence/persistence-bench.mjs", import.meta.url));

interface Row {
  backend: string;
  scenario: string;
  p50?: number;
  p99?: number;
  rate?: number;
  ms?: number;
  vsPlain?: number;
}

// Timings are never asserted: only that every backend ran every scenario and measured something.
describe("persistence bench --quick", () => {
  beforeAll(() => {
    for (const pkg of ["persistence", "persistence-lmdb", "persistence-postgres", "grains"])
      if (!existsSync(new URL(`../../../packages/${pkg}/dist/index.js`, import.meta.url)))
        throw new Error(`packages/${pkg}/dist is missing: run \`npx tsc -b\` at the repository root first`);
  });

  it("measures save latency, writes/s, replay, grain state writes and actor recovery for every backend, and the pg floor when postgres is installed", {
    timeout: 120_000,
  }, async () => {
    const { stdout } = await run(process.execPath, [script, "--quick", "--json"], { maxBuffer: 1 << 20 });
    const { rows } = JSON.parse(stdout) as { rows: Row[] };
    const backends = findBinary("postgres") === undefined ? ["memory", "lmdb"] : ["memory", "lmdb", "postgres", "pg INSERT (floor)"];
    expect([...new Set(rows.map((r) => r.backend))]).toEqual(backends);
    for (const row of rows) {
      const label = `${row.backend} · ${row.scenario}`;
      const recovery = row.scenario.startsWith("actor recovery");
      if (!recovery) expect(row.rate, label).toBeGreaterThan(0);
      const measured = recovery ? [row.ms] : row.scenario.startsWith("replay") ? [row.ms] : [row.p50, row.p99];
      if (row.scenario.startsWith("grain state write")) measured.push(row.vsPlain);
      for (const value of measured) {
        expect(Number.isFinite(value), label).toBe(true);
        expect(value, label).toBeGreaterThan(0);
      }
    }
    const stores = backends.filter((b) => !b.startsWith("pg "));
    expect(rows.filter((r) => r.scenario.startsWith("replay")).map((r) => r.backend)).toEqual(stores);
    const scenariosOf = (backend: string) =>
      rows.filter((r) => r.backend === backend && /^(grain state write|actor recovery)/.test(r.scenario)).map((r) => r.scenario);
    for (const backend of stores)
      expect(scenariosOf(backend), backend).toEqual([
        "grain state write, 1 grain",
        "grain state write, 100 grains at once",
        "actor recovery, 1,000 events, without snapshots",
        "actor recovery, 1,000 events, snapshot every 1,500",
      ]);
    expect(rows.filter((r) => r.scenario.startsWith("plain grain call")).map((r) => r.backend)).toEqual(["memory", "memory"]);
  });
});
