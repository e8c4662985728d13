// Vitest config for mutation runs (tools/mutate/run.mjs): the package's tests, or the subset named in
// TSAKT_MUTATE_TESTS (comma-separated globs relative to the package), with the usual @tsakt aliases to src.
import { resolve } from "node:path";
import { defineConfig } from "vitest/config";
import { tsaktAliases } from "../../vitest.shared.js";

const pkg = process.env.TSAKT_MUTATE_PACKAGE;
if (pkg === undefined || pkg === "") throw new Error("TSAKT_MUTATE_PACKAGE is not set: run this through `pnpm mutate <package>`");
const tests = (process.env.TSAKT_MUTATE_TESTS || "test/**/*.test.ts").split(",").map((glob) => `packages/${pkg}/${glob}`);

// `pnpm mutate --test-timeout-ms n`: a test that hangs on a mutant fails after n ms instead of the usual 30 s.
const testTimeoutMs = process.env.TSAKT_MUTATE_TEST_TIMEOUT_MS ? Number(process.env.TSAKT_MUTATE_TEST_TIMEOUT_MS) : undefined;

export default defineConfig({
  root: resolve(import.meta.dirname, "../.."),
  resolve: { alias: tsaktAliases },
  test: { include: tests, testTimeout: testTimeoutMs ?? 30_000, hookTimeout: testTimeoutMs ?? 60_000 },
});
