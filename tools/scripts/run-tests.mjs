// Runs the whole vitest suite and ends with one plain line "N passed, N failed, N skipped", keeping vitest's exit code.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "tsakt-tests-"));
const out = join(dir, "results.json");
const vitest = join(root, "node_modules", ".bin", "vitest");
const run = spawnSync(vitest, ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${out}`, ...process.argv.slice(2)], {
  cwd: root,
  stdio: "inherit",
});
let summary = "0 passed, 1 failed";
try {
  const r = JSON.parse(readFileSync(out, "utf8"));
  // A file that fails to load fails no test of its own; count it so a red run never reads "0 failed".
  const failed = r.numFailedTests > 0 || run.status === 0 ? r.numFailedTests : Math.max(1, r.numFailedTestSuites);
  summary = `${r.numPassedTests} passed, ${failed} failed, ${r.numPendingTests + r.numTodoTests} skipped`;
} catch {
  // No results file means vitest itself failed; the summary above says so.
}
rmSync(dir, { recursive: true, force: true });
console.log(summary);
process.exit(run.status ?? 1);
