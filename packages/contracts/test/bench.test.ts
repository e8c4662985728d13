import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

interface Row {
  scenario: string;
  unit: string;
  control: boolean;
  generated: number;
  hand: number;
  ratio: number;
}

describe("the contracts bench (built dist, --quick)", () => {
  it("measures every pair: both sides and their ratio are positive finite numbers (timings are not judged)", async () => {
    const script = resolve(import.meta.dirname, "../bench/contracts-bench.mjs");
    const { stdout } = await run(process.execPath, [script, "--quick", "--json"], { timeout: 120_000 });
    const runs = JSON.parse(stdout) as Row[][];
    expect(runs).toHaveLength(1);
    const rows = runs[0] ?? [];
    expect(rows.map((r) => r.scenario)).toHaveLength(7);
    expect(rows.filter((r) => r.control)).toHaveLength(1);
    for (const row of rows)
      for (const value of [row.generated, row.hand, row.ratio]) {
        expect(Number.isFinite(value), `${row.scenario}: ${value}`).toBe(true);
        expect(value).toBeGreaterThan(0);
      }
  }, 150_000);
});
