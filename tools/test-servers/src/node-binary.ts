import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../../..");

/**
 * A Node.js binary of release line `major`: this process's own when it is that line, else the npm package
 * `node@<major>` installed once into `.ci/node/<major>` (as tools/scripts/node-matrix.mjs does; about 15 s, needs the
 * npm registry). Undefined when npm cannot install it; the reason is in `reason`.
 */
export function nodeBinary(major: number): { path: string } | { path: undefined; reason: string } {
  if (Number(process.versions.node.split(".")[0]) === major) return { path: process.execPath };
  const prefix = join(root, ".ci", "node", String(major));
  const bin = join(prefix, "node_modules", "node", "bin", "node");
  if (!existsSync(bin)) {
    const npm = spawnSync("npm", ["install", "--prefix", prefix, "--no-save", "--no-audit", "--no-fund", `node@${major}`], {
      encoding: "utf8",
      timeout: 180_000,
    });
    if (npm.status !== 0 || !existsSync(bin))
      return { path: undefined, reason: `npm could not install node@${major} into ${prefix}: ${(npm.stderr ?? "").trim().slice(-300)}` };
  }
  return { path: bin };
}
