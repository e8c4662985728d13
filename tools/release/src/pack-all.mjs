// Packs every publishable workspace package with `pnpm pack`, which rewrites workspace: ranges to real versions
// exactly as `pnpm publish` does. Run as `node pack-all.mjs [dir]`: prints one line per tarball.
import { execFile } from "node:child_process";
import { mkdtemp, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The workspace root, two folders above tools/release/src. */
export const WORKSPACE_ROOT = resolve(import.meta.dirname, "../../..");

/**
 * @typedef {object} WorkspacePackage
 * @property {string} name
 * @property {string} version
 * @property {string} dir absolute path of the package folder
 */

/**
 * @typedef {object} PackedPackage
 * @property {string} name
 * @property {string} version
 * @property {string} tarball absolute path of the .tgz
 * @property {number} bytes size of the .tgz
 */

/**
 * Lists the workspace packages, private ones included, as pnpm sees them (pnpm-workspace.yaml decides).
 * @param {string} [root] Default: this repository's root.
 * @returns {Promise<Array<WorkspacePackage & { private: boolean }>>}
 */
export async function workspacePackages(root = WORKSPACE_ROOT) {
  const { stdout } = await run("pnpm", ["ls", "--recursive", "--depth", "-1", "--json"], { cwd: root });
  /** @type {Array<{ name?: string, version?: string, path: string, private?: boolean }>} */
  const listed = JSON.parse(stdout);
  return listed
    .filter((p) => resolve(p.path) !== resolve(root))
    .map((p) => ({ name: p.name ?? "", version: p.version ?? "", dir: p.path, private: p.private === true }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Lists the packages that get published: every workspace package not marked "private": true.
 * @param {string} [root] Default: this repository's root.
 * @returns {Promise<WorkspacePackage[]>}
 */
export async function publishablePackages(root = WORKSPACE_ROOT) {
  return (await workspacePackages(root)).filter((p) => !p.private).map(({ name, version, dir }) => ({ name, version, dir }));
}

/**
 * Packs every publishable package into `destDir` (default: a new temp folder) and returns the tarballs.
 * @param {string} [destDir]
 * @param {string} [root] Default: this repository's root.
 * @returns {Promise<PackedPackage[]>}
 */
export async function packAll(destDir, root = WORKSPACE_ROOT) {
  const dest = destDir ?? (await mkdtemp(join(tmpdir(), "tsakt-pack-")));
  const packages = await publishablePackages(root);
  // One pnpm process per package in parallel: each takes about half a second, mostly start-up.
  return Promise.all(
    packages.map(async (p) => {
      const { stdout } = await run("pnpm", ["pack", "--pack-destination", dest, "--json"], { cwd: p.dir });
      /** @type {{ filename: string }} */
      const packed = JSON.parse(stdout);
      return { name: p.name, version: p.version, tarball: packed.filename, bytes: (await stat(packed.filename)).size };
    }),
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const packed = await packAll(process.argv[2] === undefined ? undefined : resolve(process.argv[2]));
  for (const p of packed) console.log(`${`${p.name}@${p.version}`.padEnd(34)} ${String(p.bytes).padStart(8)} B  ${p.tarball}`);
}
