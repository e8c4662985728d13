import { defineConfig } from "vitest/config";
import { tsaktAliases } from "./vitest.shared.js";

export default defineConfig({
  resolve: { alias: tsaktAliases },
  test: {
    include: ["packages/*/test/**/*.test.ts", "tools/*/test/**/*.test.ts", "examples/*/test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Child processes that run TypeScript sources find them transpiled already.
    globalSetup: ["./tools/test-servers/loader/warm.mjs"],
  },
});
