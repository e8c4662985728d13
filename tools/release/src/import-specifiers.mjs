// Finds the module specifiers a compiled .js or .d.ts file loads, so a tarball can be checked for imports that
// would fail on a user's machine (a file left out, a package missing from dependencies).
import { builtinModules } from "node:module";

// Static `import … from "x"` / `export … from "x"`; [^;]* spans the lines of a multi-line import list.
const FROM = /^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gm;
// Side-effect `import "x"`.
const BARE = /^\s*import\s*["']([^"']+)["']/gm;
// `import("x")`, in code and in .d.ts type positions.
const DYNAMIC = /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g;
// Doc comments hold examples such as `import { ActorSystem } from "@tsakt/actor"`, which are not imports.
const BLOCK_COMMENT = /\/\*[\s\S]*?\*\//g;
const LINE_COMMENT = /^\s*\/\/.*$/gm;

/**
 * Returns every module specifier `source` imports or re-exports, in order of appearance per kind.
 * @param {string} source
 * @returns {string[]}
 */
export function importSpecifiers(source) {
  const code = source.replace(BLOCK_COMMENT, "").replace(LINE_COMMENT, "");
  const found = [];
  for (const pattern of [FROM, BARE, DYNAMIC]) for (const match of code.matchAll(pattern)) found.push(match[1] ?? "");
  return found;
}

/**
 * True for "node:fs", "fs", "fs/promises" and the other modules built into Node.
 * @param {string} specifier
 */
export function isBuiltin(specifier) {
  return specifier.startsWith("node:") || builtinModules.includes(specifier) || builtinModules.includes(specifier.split("/")[0] ?? "");
}

/**
 * The package a bare specifier names: "@scope/name" for "@scope/name/sub", "name" for "name/sub".
 * @param {string} specifier
 */
export function packageNameOf(specifier) {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
}
