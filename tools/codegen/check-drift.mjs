// Fails when the committed src/gen differs from what `pnpm generate` produces.
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");
execFileSync(process.execPath, [resolve(root, "tools/codegen/generate.mjs")], { cwd: root, stdio: "inherit" });
const drift = execFileSync("git", ["status", "--porcelain", "--", "packages/*/src/gen"], { cwd: root, encoding: "utf8" });
if (drift.trim() !== "") {
  console.error(`Generated code is out of date with proto/. Run \`pnpm generate\` and commit the result:\n${drift}`);
  process.exit(1);
}
console.log("generated code matches proto/");
