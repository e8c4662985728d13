import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const repo = fileURLToPath(new URL("../../../", import.meta.url));
const runner = fileURLToPath(new URL("../src/run.mjs", import.meta.url));
const libraries = ["tsakt", "nact", "xstate"];

interface Cell {
  status: string;
  value?: number;
}
interface Row {
  scenario: string;
  metric: string;
  cells: Record<string, Cell>;
  advantage: Record<string, number | null>;
}
interface Report {
  quick: boolean;
  libraries: string[];
  rows: Row[];
}

async function bench(...args: string[]): Promise<Report> {
  const { stdout } = await run(process.execPath, [runner, "--quick", "--json", ...args], { cwd: repo, maxBuffer: 16 << 20 });
  return JSON.parse(stdout) as Report;
}

// Timings are never asserted (machines are noisy): only that every scenario ran and measured something.
describe("pnpm bench --quick", () => {
  beforeAll(() => {
    if (!existsSync(new URL("../../../packages/actor/dist/index.js", import.meta.url)))
      throw new Error("packages/actor/dist is missing: run `npx tsc -b` at the repository root first");
  });

  it("measures a positive finite number for every scenario and every library", async () => {
    const report = await bench();
    expect(report.quick).toBe(true);
    expect(report.libraries).toEqual(libraries);
    const scenarios = new Set(report.rows.map((r) => r.scenario));
    expect([...scenarios]).toEqual(["tell", "fanout", "pingpong", "ask", "spawn-10k", "router", "batch", "by-name", "lag"]);
    // Only TsAkt has routers and batchTell; the peers' cells for those are empty by design.
    for (const row of report.rows)
      for (const lib of row.scenario === "router" || row.scenario === "batch" || row.scenario === "by-name" ? ["tsakt"] : libraries) {
        const cell = row.cells[lib];
        expect(cell?.status, `${row.scenario}.${row.metric} · ${lib}`).toBe("ok");
        expect(Number.isFinite(cell?.value) && (cell?.value ?? 0) > 0, `${row.scenario}.${row.metric} · ${lib} = ${cell?.value}`).toBe(
          true,
        );
      }
  }, 120_000);

  it("measures remote tell and ask for TsAkt and comedy across two processes", async () => {
    const { stdout } = await run(process.execPath, [runner, "--quick", "--only", "remote"], {
      cwd: repo,
      maxBuffer: 16 << 20,
      timeout: 240_000,
    });
    for (const label of ["remote tell throughput (msg/s)", "remote ask p50 (µs)", "remote ask p99 (µs)"]) {
      const line = stdout.split("\n").find((l) => l.startsWith(label));
      expect(line, label).toBeDefined();
      // Columns after the label: tsakt, tsakt with busy polling, comedy, then two ratios.
      const values = (line ?? "")
        .slice(label.length)
        .trim()
        .split(/\s+/)
        .slice(0, 3)
        .map((v) => Number(v.replace(/,/g, "")));
      for (const v of values) expect(Number.isFinite(v) && v > 0, `${label}: ${line}`).toBe(true);
    }
    // The echo floor over a Unix domain socket beside loopback TCP: "  <label>   tcp <n>  unix <n>  <ratio>×".
    for (const label of ["round trip p50 (µs)", "round trip p99 (µs)", "pipelined (frames/s)", "pipelined (MiB/s)"]) {
      const line = stdout.split("\n").find((l) => l.startsWith("  ") && l.includes(label));
      const figures = /tcp ([\d,.]+) {2}unix ([\d,.]+) {2}([\d.]+)×/.exec(line ?? "");
      expect(figures, `${label}: ${line}`).not.toBeNull();
      for (const v of (figures ?? []).slice(1)) expect(Number(v.replace(/,/g, "")) > 0, `${label}: ${line}`).toBe(true);
    }
  }, 240_000);

  it("runs only the chosen scenario and libraries with --only and --libs", async () => {
    const report = await bench("--only", "ask", "--libs", "tsakt,xstate");
    expect(report.libraries).toEqual(["tsakt", "xstate"]);
    expect(report.rows.map((r) => `${r.scenario}.${r.metric}`)).toEqual(["ask.p50", "ask.p99"]);
    for (const row of report.rows) expect(Object.keys(row.cells)).toEqual(["tsakt", "xstate"]);
  }, 60_000);

  it("measures crdt merges per type and ships smaller deltas than full states", async () => {
    if (!existsSync(new URL("../../../packages/crdt/dist/index.js", import.meta.url)))
      throw new Error("packages/crdt/dist is missing: run `npx tsc -b` at the repository root first");
    const script = fileURLToPath(new URL("../src/crdt/crdt-bench.mjs", import.meta.url));
    const { stdout } = await run(process.execPath, [script, "--quick", "--json"], { cwd: repo, maxBuffer: 16 << 20 });
    const report = JSON.parse(stdout) as {
      rows: { scenario: string; value: number }[];
      sizes: { scenario: string; delta: number; full: number }[];
    };
    const types = ["GCounter", "PNCounter", "LWWRegister", "Flag", "MVRegister", "ORSet", "ORMap"];
    for (const type of types)
      expect(
        report.rows.some((r) => r.scenario.startsWith(`merge · ${type}`)),
        type,
      ).toBe(true);
    for (const row of report.rows) expect(Number.isFinite(row.value) && row.value > 0, `${row.scenario} = ${row.value}`).toBe(true);
    expect(report.sizes.map((s) => s.scenario)).toEqual([
      "PNCounter, 5 nodes · increment",
      "ORSet of 1000 · add",
      "ORSet of 1000 · remove",
      "ORMap of 100 PNCounters · increment one",
    ]);
    for (const size of report.sizes) expect(size.delta, size.scenario).toBeLessThan(size.full);
  }, 60_000);

  it("measures replicator updates and convergence on five nodes, and gossips smaller deltas than full states", async () => {
    if (!existsSync(new URL("../../../packages/crdt/dist/cluster.js", import.meta.url)))
      throw new Error("packages/crdt/dist is missing: run `npx tsc -b` at the repository root first");
    const script = fileURLToPath(new URL("../src/crdt/replicator-bench.mjs", import.meta.url));
    const { stdout } = await run(process.execPath, [script, "--quick", "--json"], { cwd: repo, maxBuffer: 16 << 20 });
    const report = JSON.parse(stdout) as {
      rows: { scenario: string; rate: number; convergeMs: number }[];
      bytes: { delta: Record<string, number>; full: Record<string, number> };
    };
    expect(report.rows.length).toBe(5);
    for (const row of report.rows) {
      expect(Number.isFinite(row.rate) && row.rate > 0, `${row.scenario} = ${row.rate}`).toBe(true);
      expect(Number.isFinite(row.convergeMs) && row.convergeMs >= 0, `${row.scenario} converged in ${row.convergeMs}`).toBe(true);
    }
    for (const key of ["counter", "set"]) {
      expect(report.bytes.delta[key], key).toBeGreaterThan(0);
      expect(report.bytes.delta[key], key).toBeLessThan(report.bytes.full[key] as number);
    }
  }, 120_000);

  it("measures reliable delivery beside plain tell, locally and across two processes", async () => {
    if (!existsSync(new URL("../../../packages/delivery/dist/index.js", import.meta.url)))
      throw new Error("packages/delivery/dist is missing: run `npx tsc -b` at the repository root first");
    const script = fileURLToPath(new URL("../src/delivery/delivery-bench.mjs", import.meta.url));
    const { stdout } = await run(process.execPath, [script, "--quick", "--json"], { cwd: repo, maxBuffer: 16 << 20 });
    const rows = JSON.parse(stdout) as { scenario: string; rate: number; ratio: number }[];
    expect(rows.map((r) => r.scenario.split(" (")[0]?.replace(/, window \d+/, ""))).toEqual([
      "local   plain tell",
      "local   reliable",
      "remote  plain tell",
      "remote  reliable",
      "remote  reliable + LMDB journal",
    ]);
    for (const row of rows) expect(Number.isFinite(row.rate) && row.rate > 0 && row.ratio > 0, `${row.scenario} = ${row.rate}`).toBe(true);
  }, 120_000);
});
