#!/usr/bin/env node
// `pnpm mutate <package> [--mutate globs] [--tests globs] [--concurrency n]`: StrykerJS on one package at a time,
// incremental, at low concurrency. See README.md beside this file.
import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(import.meta.dirname, "../..");
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    mutate: { type: "string" },
    tests: { type: "string" },
    concurrency: { type: "string", default: "1" },
    force: { type: "boolean", default: false },
    "no-check": { type: "boolean", default: false },
    "no-bail": { type: "boolean", default: false },
    log: { type: "string", default: "info" },
    "timeout-ms": { type: "string", default: "5000" },
    "test-timeout-ms": { type: "string" },
  },
});
const [pkg] = positionals;
if (pkg === undefined || positionals.length !== 1 || !existsSync(resolve(root, "packages", pkg, "src"))) {
  console.error(
    "usage: pnpm mutate <package dir, e.g. actor> [--mutate src/a.ts,src/b/*.ts] [--tests test/x.test.ts] [--concurrency 1|2] [--force] [--no-check] [--no-bail] [--timeout-ms 5000] [--test-timeout-ms 3000] [--log debug]",
  );
  process.exit(2);
}
const concurrency = Number(values.concurrency);
if (!(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 2)) {
  console.error(`--concurrency must be 1 or 2 (the machine has 2 cores shared with others), got ${values.concurrency}`);
  process.exit(2);
}
const timeoutMs = Number(values["timeout-ms"]);
if (!(Number.isInteger(timeoutMs) && timeoutMs >= 500)) {
  console.error(`--timeout-ms must be a whole number of milliseconds >= 500, got ${values["timeout-ms"]}`);
  process.exit(2);
}
const testTimeout = values["test-timeout-ms"];
if (testTimeout !== undefined && !(Number.isInteger(Number(testTimeout)) && Number(testTimeout) >= 500)) {
  console.error(`--test-timeout-ms must be a whole number of milliseconds >= 500, got ${testTimeout}`);
  process.exit(2);
}
const inPackage = (globs) => globs.split(",").map((g) => (g.startsWith("!") ? `!packages/${pkg}/${g.slice(1)}` : `packages/${pkg}/${g}`));
const reports = resolve(root, "reports/mutation", pkg);
mkdirSync(reports, { recursive: true });

process.env.TSAKT_MUTATE_PACKAGE = pkg;
if (values.tests !== undefined) process.env.TSAKT_MUTATE_TESTS = values.tests;
// A test that hangs fails at vitest's own timeout: a killed mutant, no restart of the test worker (a Stryker
// timeout restarts it, which costs seconds per mutant on a busy machine). Keep it under --timeout-ms.
if (testTimeout !== undefined) process.env.TSAKT_MUTATE_TEST_TIMEOUT_MS = testTimeout;

const { Stryker } = await import("@stryker-mutator/core");
// pnpm keeps each package's dependencies to itself, so Stryker cannot find its plugins by name: pass their paths.
const plugin = (name) => fileURLToPath(import.meta.resolve(name));
const options = {
  plugins: [plugin("@stryker-mutator/vitest-runner"), plugin("@stryker-mutator/typescript-checker")],
  packageManager: "pnpm",
  logLevel: values.log,
  testRunner: "vitest",
  vitest: { configFile: "tools/mutate/vitest.config.mjs", related: false },
  checkers: values["no-check"] ? [] : ["typescript"],
  tsconfigFile: `packages/${pkg}/tsconfig.json`,
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  mutate: values.mutate !== undefined ? inPackage(values.mutate) : inPackage("src/**/*.ts,!src/gen/**,!src/index.ts,!src/internal.ts"),
  // examples stay: the root tsconfig.json references them, and the test transform reads it.
  ignorePatterns: ["**/dist/**", "reports", "docs", ".turbo", "coverage", "*.tsbuildinfo"],
  coverageAnalysis: "perTest",
  concurrency,
  incremental: true,
  incrementalFile: `reports/mutation/${pkg}/stryker-incremental.json`,
  force: values.force,
  // Every covering test runs on every mutant, so the report's killedBy lists each test that kills it (slower).
  disableBail: values["no-bail"],
  // A mutant that hangs an actor is a timeout after 1.5 x the covering tests' time + timeoutMS; each one also
  // restarts a test worker. Lower it (--timeout-ms 2000) when mutants that stall the mail are expected.
  timeoutMS: timeoutMs,
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: `reports/mutation/${pkg}/index.html` },
  jsonReporter: { fileName: `reports/mutation/${pkg}/mutation.json` },
  tempDirName: resolve(tmpdir(), "tsakt-stryker"),
  cleanTempDir: "always",
  disableTypeChecks: `packages/${pkg}/{src,test}/**/*.ts`,
};
const results = await new Stryker(options).runMutationTest();
const counts = {};
for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
console.log(`mutants by status: ${JSON.stringify(counts)}`);
