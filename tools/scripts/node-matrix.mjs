// Runs tests on other Node.js release lines: `node tools/scripts/node-matrix.mjs 24:full 22 26`;
// `node tools/scripts/node-matrix.mjs --bin 24` only installs that line and prints its bin directory (for PATH).
// Each version's binary comes from the npm package `node` (npm install --prefix .ci/node/<major> node@<major>), installed
// once and reused; `:full` runs the whole suite, otherwise the smoke set below (the examples and one test file per
// package that needs no server). Prints each binary's version, so the CI log shows what ran; exits 1 if any run failed.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");

/** One light test file per package (no external server), plus every example. */
export const smokeSet = [
  "examples",
  "packages/actor/test/messaging.test.ts",
  "packages/actor/test/logger.test.ts",
  "packages/cluster/test/remoting.test.ts",
  "packages/contracts/test/actor.test.ts",
  "packages/crdt/test/causal-context.test.ts",
  "packages/discovery/test/memory-conformance.test.ts",
  "packages/discovery-static/test/static-conformance.test.ts",
  "packages/grains/test/lifecycle.test.ts",
  "packages/persistence/test/codec.test.ts",
  "packages/persistence-lmdb/test/conformance.test.ts",
  "packages/protoc-gen-tsakt/test/errors.test.ts",
  "packages/pubsub/test/cluster-parts.test.ts",
  "packages/remote/test/compression.test.ts",
  "packages/testkit/test/quiet-logs.test.ts",
  "packages/testkit/test/plugin-metrics.test.ts",
  "tools/snippets",
];

function installNode(major, npmOutput = "inherit") {
  const prefix = join(root, ".ci", "node", major);
  const bin = join(prefix, "node_modules", "node", "bin");
  if (!existsSync(join(bin, "node"))) {
    const npm = spawnSync("npm", ["install", "--prefix", prefix, "--no-save", "--no-audit", "--no-fund", `node@${major}`], {
      stdio: npmOutput === "inherit" ? "inherit" : ["ignore", process.stderr, "inherit"],
    });
    if (npm.status !== 0) throw new Error(`npm could not install node@${major} into ${prefix}`);
  }
  return bin;
}

if (process.argv[2] === "--bin") {
  const major = process.argv[3] ?? "";
  if (!/^\d+$/.test(major)) throw new Error(`expected --bin <major>, such as --bin 24, got ${JSON.stringify(major)}`);
  // npm's own output goes to stderr here, so stdout is the bin directory alone.
  console.log(installNode(major, "stderr"));
  process.exit(0);
}

let failed = 0;
for (const arg of process.argv.slice(2)) {
  const [major, scope] = arg.split(":");
  if (!/^\d+$/.test(major ?? "")) throw new Error(`expected a Node major version such as 24 or 24:full, got ${JSON.stringify(arg)}`);
  const bin = installNode(major);
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` };
  const version = spawnSync(join(bin, "node"), ["--version"], { encoding: "utf8" }).stdout.trim();
  const files = scope === "full" ? [] : smokeSet;
  console.log(`\n=== Node ${version} (${bin}): ${scope === "full" ? "the whole suite" : `smoke set of ${files.length} paths`} ===`);
  const run = spawnSync(join(bin, "node"), [join(root, "tools", "scripts", "run-tests.mjs"), ...files], {
    cwd: root,
    env,
    stdio: "inherit",
  });
  console.log(`=== Node ${version}: ${run.status === 0 ? "passed" : "FAILED"} ===`);
  if (run.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
