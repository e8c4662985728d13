// Regenerates every package's src/gen from proto/tsakt/<area>/v1 with buf + protoc-gen-es, then the typed contracts
// (protoc-gen-tsakt) of the fixtures and examples that use them.
// Area "actor" goes to packages/actor, "remote" to packages/remote, and so on; "options" (protoc-gen-tsakt's custom
// options) goes to packages/protoc-gen-tsakt, which also ships a copy of the .proto for users to import.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");
const bin = join(root, "node_modules", ".bin");
const env = { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ""}` };

/** Areas whose package is not named after them. */
const packageOfArea = { options: "protoc-gen-tsakt" };

for (const area of readdirSync(join(root, "proto", "tsakt"))) {
  const pkgName = packageOfArea[area] ?? area;
  const pkg = join(root, "packages", pkgName);
  if (!existsSync(pkg)) throw new Error(`proto/tsakt/${area} has no package at packages/${pkgName}: create it or move the protos`);
  const out = join(pkg, "src", "gen");
  rmSync(out, { recursive: true, force: true });
  const template = JSON.stringify({
    version: "v2",
    plugins: [{ local: "protoc-gen-es", out, opt: ["target=ts", "import_extension=js"] }],
  });
  execFileSync(join(bin, "buf"), ["generate", "proto", "--path", `proto/tsakt/${area}`, "--template", template], {
    cwd: root,
    env,
    stdio: "inherit",
  });
  console.log(`generated packages/${pkgName}/src/gen from proto/tsakt/${area}`);
}

// The options .proto users import ("tsakt/options/v1/options.proto") travels in the generator's npm package.
const optionsProto = "tsakt/options/v1/options.proto";
const shipped = join(root, "packages", "protoc-gen-tsakt", "proto", optionsProto);
mkdirSync(dirname(shipped), { recursive: true });
copyFileSync(join(root, "proto", optionsProto), shipped);
console.log(`copied proto/${optionsProto} to packages/protoc-gen-tsakt/proto`);

// Typed contracts: protoc-gen-tsakt runs from its build, so build it (and what it depends on) first.
execFileSync(join(bin, "tsc"), ["-b", "packages/protoc-gen-tsakt"], { cwd: root, env, stdio: "inherit" });
const tsaktPlugin = [process.execPath, join(root, "packages", "protoc-gen-tsakt", "bin", "protoc-gen-tsakt.js")];

/**
 * Fixture modules of the root buf workspace (buf.yaml): their protoc-gen-es and protoc-gen-tsakt output, imports
 * included. The contracts bench runs plain JavaScript, so its copy is generated with target=js.
 */
const contractFixtures = [
  { input: "packages/protoc-gen-tsakt/test/proto", out: "packages/protoc-gen-tsakt/test/golden", target: "ts" },
  { input: "packages/contracts/test/proto", out: "packages/contracts/test/gen", target: "ts" },
  { input: "packages/contracts/test/proto", out: "packages/contracts/bench/gen", target: "js" },
];
for (const { input, out, target } of contractFixtures) {
  rmSync(join(root, out), { recursive: true, force: true });
  const opt = [`target=${target}`, "import_extension=js"];
  const template = JSON.stringify({
    version: "v2",
    plugins: [
      { local: "protoc-gen-es", out, opt, include_imports: true },
      { local: tsaktPlugin, out, opt },
    ],
  });
  execFileSync(join(bin, "buf"), ["generate", input, "--template", template], { cwd: root, env, stdio: "inherit" });
  console.log(`generated ${out} from ${input}`);
}

/** Examples that run `buf generate` with their own buf.yaml and buf.gen.yaml, as a user's project would. */
const contractExamples = ["examples/typed-grains"];
for (const example of contractExamples) {
  const dir = join(root, example);
  const exampleEnv = { ...env, PATH: `${join(dir, "node_modules", ".bin")}${delimiter}${env.PATH}` };
  rmSync(join(dir, "src", "gen"), { recursive: true, force: true });
  execFileSync(join(bin, "buf"), ["generate"], { cwd: dir, env: exampleEnv, stdio: "inherit" });
  console.log(`generated ${example}/src/gen (buf generate with its buf.gen.yaml)`);
}
