// Checks a packed package the way a user's install would meet it: the manifest's entry points exist, the registry-page fields
// are set (repository, homepage, bugs, keywords), no workspace ranges are left, only dist/ and the README ship (besides the executables "bin" declares and .proto files under
// proto/ for users to import), and every import in shipped code resolves to a shipped file or a declared dependency. Run as `node check-tarball.mjs <tgz>…`: prints the problems and exits 1 when there are any.
import { posix } from "node:path";
import { pathToFileURL } from "node:url";
import { checkPublishMetadata } from "./check-metadata.mjs";
import { importSpecifiers, isBuiltin, packageNameOf } from "./import-specifiers.mjs";
import { readTarball } from "./tar-reader.mjs";

/** The Node versions every package supports (DESIGN.md §1). */
export const REQUIRED_NODE_RANGE = ">=20";

const DEPENDENCY_FIELDS = ["dependencies", "peerDependencies", "optionalDependencies", "devDependencies"];
// Protocols pnpm rewrites on pack; one left behind makes the package uninstallable from the registry.
const LOCAL_PROTOCOL = /^(workspace|link|file|catalog|portal):/;
// Besides dist/, only these top-level files may ship; npm always adds package.json, README and LICENSE.
const TOP_LEVEL_FILES = /^(package\.json|README\.md|LICEN[CS]E(\.md|\.txt)?|CHANGELOG\.md)$/;
// Protobuf definitions a package ships for users' own .proto files to import (protoc-gen-tsakt's options).
const PROTO_FILE = /^proto\/.+\.proto$/;
const TEST_FILE = /(^|\/)(__tests__|test|tests)\/|\.(test|spec)\.[cm]?[jt]sx?$/;

/**
 * @typedef {object} TarballReport
 * @property {string} name package name from the packed package.json ("" when it is missing)
 * @property {string} version package version ("" when it is missing)
 * @property {string[]} files shipped paths, without the "package/" folder
 * @property {string[]} problems what would break or should not ship; empty when the tarball is fine
 */

/**
 * Opens a .tgz produced by `pnpm pack` and checks it.
 * @param {string} path
 * @returns {Promise<TarballReport>}
 */
export async function checkTarball(path) {
  return checkPackageFiles(await readTarball(path));
}

/**
 * Checks the files of a packed package, keyed by path inside the package ("package.json", "dist/index.js", …).
 * @param {Map<string, Buffer>} files
 * @returns {TarballReport}
 */
export function checkPackageFiles(files) {
  const paths = [...files.keys()].sort();
  const raw = files.get("package.json");
  if (raw === undefined) return { name: "", version: "", files: paths, problems: ["package.json is missing"] };
  /** @type {Record<string, any>} */
  const pkg = JSON.parse(raw.toString("utf8"));
  const problems = [...checkManifest(pkg), ...checkShippedPaths(pkg, paths), ...checkEntryPoints(pkg, files), ...checkImports(pkg, files)];
  return { name: String(pkg.name ?? ""), version: String(pkg.version ?? ""), files: paths, problems };
}

/** @param {Record<string, any>} pkg */
function checkManifest(pkg) {
  const problems = [];
  if (!pkg.name) problems.push("package.json has no name");
  if (!pkg.version) problems.push("package.json has no version");
  if (pkg.private === true) problems.push('package.json is "private": true, so it cannot be published');
  if (pkg.type !== "module") problems.push(`"type" is ${JSON.stringify(pkg.type)}, expected "module"`);
  if (pkg.sideEffects !== false) problems.push('"sideEffects" should be false so bundlers can drop unused exports');
  if (pkg.engines?.node !== REQUIRED_NODE_RANGE)
    problems.push(`"engines.node" is ${JSON.stringify(pkg.engines?.node)}, expected "${REQUIRED_NODE_RANGE}"`);
  const listed = Array.isArray(pkg.files) ? pkg.files : [];
  for (const needed of ["dist", "README.md"]) if (!listed.includes(needed)) problems.push(`"files" does not list "${needed}"`);
  for (const field of DEPENDENCY_FIELDS)
    for (const [dep, range] of Object.entries(pkg[field] ?? {}))
      if (LOCAL_PROTOCOL.test(String(range))) problems.push(`${field}.${dep} is still "${range}": pack with pnpm so it is rewritten`);
  problems.push(...checkPublishMetadata(pkg));
  return problems;
}

/**
 * @param {Record<string, any>} pkg
 * @param {string[]} paths
 */
function checkShippedPaths(pkg, paths) {
  const problems = [];
  if (!paths.includes("README.md")) problems.push("README.md is not in the tarball");
  const bins = new Set(
    Object.values(typeof pkg.bin === "string" ? { [pkg.name]: pkg.bin } : (pkg.bin ?? {})).map((b) => posix.normalize(String(b))),
  );
  for (const bin of bins) if (!paths.includes(bin)) problems.push(`"bin" points at ${bin}, which is not in the tarball`);
  for (const path of paths) {
    if (!path.startsWith("dist/") && !TOP_LEVEL_FILES.test(path) && !bins.has(path) && !PROTO_FILE.test(path))
      problems.push(`${path} ships but only dist/ and README.md should`);
    else if (TEST_FILE.test(path)) problems.push(`${path} is a test file and should not ship`);
  }
  return problems;
}

/**
 * main, types and every target of exports must be files in the tarball; a types condition must come first and
 * point at a .d.ts, or TypeScript users get `any` or "could not find a declaration file".
 * @param {Record<string, any>} pkg
 * @param {Map<string, Buffer>} files
 */
function checkEntryPoints(pkg, files) {
  const problems = [];
  for (const field of ["main", "types"])
    if (pkg[field] !== undefined && !hasTarget(files, pkg[field]))
      problems.push(`"${field}" points at ${pkg[field]}, which is not in the tarball`);
  if (pkg.types !== undefined && !String(pkg.types).endsWith(".d.ts")) problems.push(`"types" points at ${pkg.types}, not a .d.ts`);
  if (pkg.exports === undefined) return [...problems, 'package.json has no "exports" map'];
  if (typeof pkg.exports !== "object" || pkg.exports === null || !("." in pkg.exports))
    return [...problems, '"exports" should be a map with a "." entry'];
  for (const [subpath, target] of Object.entries(pkg.exports)) problems.push(...checkExportTarget(`exports["${subpath}"]`, target, files));
  return problems;
}

/**
 * @param {string} where
 * @param {unknown} target
 * @param {Map<string, Buffer>} files
 * @returns {string[]}
 */
function checkExportTarget(where, target, files) {
  if (typeof target === "string") return hasTarget(files, target) ? [] : [`${where} points at ${target}, which is not in the tarball`];
  if (target === null) return [];
  if (typeof target !== "object") return [`${where} is ${JSON.stringify(target)}, expected a path or a conditions map`];
  const conditions = Object.keys(target);
  const problems = [];
  if (conditions.includes("types") && conditions[0] !== "types") problems.push(`${where}: "types" must be the first condition`);
  if (!conditions.includes("types") && conditions.some((c) => c === "default" || c === "import"))
    problems.push(`${where} has no "types" condition`);
  for (const [condition, inner] of Object.entries(target)) {
    if (condition === "types" && typeof inner === "string" && !inner.endsWith(".d.ts"))
      problems.push(`${where}.types points at ${inner}, not a .d.ts`);
    problems.push(...checkExportTarget(`${where}.${condition}`, inner, files));
  }
  return problems;
}

/**
 * True when `target` ("./dist/index.js", or a pattern with one "*") names at least one shipped file.
 * @param {Map<string, Buffer>} files
 * @param {string} target
 */
function hasTarget(files, target) {
  const path = posix.normalize(String(target));
  if (!path.includes("*")) return files.has(path);
  const [before = "", after = ""] = path.split("*");
  return [...files.keys()].some((file) => file.startsWith(before) && file.endsWith(after));
}

/**
 * Every import in a shipped .js or .d.ts must resolve: relative ones to a shipped file, bare ones to Node, the
 * package itself, or a dependency or peer dependency (a devDependency is not installed for users).
 * @param {Record<string, any>} pkg
 * @param {Map<string, Buffer>} files
 */
function checkImports(pkg, files) {
  const declared = new Set([pkg.name, ...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
  const problems = [];
  for (const [path, content] of files) {
    const isDeclaration = /\.d\.[cm]?ts$/.test(path);
    if (!isDeclaration && !/\.[cm]?js$/.test(path)) continue;
    for (const specifier of importSpecifiers(content.toString("utf8"))) {
      if (specifier.startsWith(".")) {
        const resolved = posix.join(posix.dirname(path), specifier);
        // TypeScript resolves "./a.js" in a declaration file to "./a.d.ts"; the .js beside it gives no types.
        const expected = isDeclaration ? resolved.replace(/\.([cm]?)js$/, ".d.$1ts") : resolved;
        if (!files.has(expected)) problems.push(`${path} imports ${specifier}, which is not in the tarball`);
      } else if (!isBuiltin(specifier) && !declared.has(packageNameOf(specifier))) {
        problems.push(`${path} imports ${specifier}, but ${packageNameOf(specifier)} is not in dependencies or peerDependencies`);
      }
    }
  }
  return problems;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let failed = false;
  for (const path of process.argv.slice(2)) {
    const report = await checkTarball(path);
    failed ||= report.problems.length > 0;
    console.log(`${report.problems.length === 0 ? "ok  " : "FAIL"} ${report.name}@${report.version} (${report.files.length} files)`);
    for (const problem of report.problems) console.log(`     - ${problem}`);
  }
  process.exit(failed ? 1 : 0);
}
