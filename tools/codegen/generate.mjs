// Regenerates every package's src/gen from proto/tsakt/<area>/v1 with buf + protoc-gen-es.
// Area "actor" goes to packages/actor, "remote" to packages/remote, and so on.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");
const bin = join(root, "node_modules", ".bin");
const env = { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ""}` };

for (const area of readdirSync(join(root, "proto", "tsakt"))) {
  const pkg = join(root, "packages", area);
  if (!existsSync(pkg)) throw new Error(`proto/tsakt/${area} has no package at packages/${area}: create it or move the protos`);
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
  console.log(`generated packages/${area}/src/gen from proto/tsakt/${area}`);
}
