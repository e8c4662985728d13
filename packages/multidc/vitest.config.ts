import { defineConfig } from "vitest/config";
import { tsaktAliases } from "../../vitest.shared.js";

export default defineConfig({
  resolve: { alias: tsaktAliases },
  test: { include: ["test/**/*.test.ts"], testTimeout: 30_000, hookTimeout: 60_000 },
});
