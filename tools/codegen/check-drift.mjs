// Fails when committed generated code differs from what `pnpm generate` produces: every package's src/gen, the
// options .proto protoc-gen-tsakt ships, its golden fixtures and the examples' generated contracts.
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");
const generated = [
  "packages/*/src/gen",
  "packages/protoc-gen-tsakt/proto",
  "packages/protoc-gen-tsakt/test/golden",
  "packages/contracts/test/gen",
  "packages/contracts/bench/gen",
  "examples/*/src/gen",
];
execFileSync(process.execPath, [resolve(root, "tools/codegen/generate.mjs")], { cwd: root, stdio: "inherit" });
// Untracked files count too (--untracked-files=all lists each new file, not only its directory).
const drift = execFileSync("git", ["status", "--porcelain", "--untracked-files=all", "--", ...generated], { cwd: root, encoding: "utf8" });
if (drift.trim() !== "") {
  console.error(`Generated code is out of date with its .proto files. Run \`pnpm generate\` and commit the result:\n${drift}`);
  process.exit(1);
}
console.log("generated code matches its .proto files");
