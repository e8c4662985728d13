// Module hooks that let a child `node` run the repo's TypeScript sources directly, mirroring the vitest aliases:
// `@tsakt/<pkg>[/<entry>]` maps to packages/<pkg>/src/<entry>.ts (or tools/<pkg>/src/...), and `./x.js` imports
// written for NodeNext map to the `./x.ts` beside them. Types are erased per file, without type checking.
// Transpiled files are cached on disk (keyed by path, size and mtime), and TypeScript itself is loaded only on a
// cache miss: tests start many child processes at once, and each would otherwise spend seconds transpiling.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = new URL("../../../", import.meta.url);
const cacheDir = join(tmpdir(), `tsakt-ts-cache-${process.getuid?.() ?? "u"}`);
let typescript;

export async function resolve(specifier, context, nextResolve) {
  const pkg = /^@tsakt\/([a-z0-9-]+)(?:\/([a-z0-9-]+))?$/.exec(specifier);
  if (pkg) {
    const entry = pkg[2] ?? "index";
    for (const area of ["packages", "tools"]) {
      const url = new URL(`${area}/${pkg[1]}/src/${entry}.ts`, repoRoot);
      if (existsSync(url)) return { url: url.href, shortCircuit: true };
    }
  }
  if (specifier.startsWith(".") && specifier.endsWith(".js") && context.parentURL?.endsWith(".ts")) {
    const url = new URL(`${specifier.slice(0, -3)}.ts`, context.parentURL);
    if (existsSync(url)) return { url: url.href, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (!url.endsWith(".ts")) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const stat = statSync(path);
  const key = createHash("sha1").update(`${path}\0${stat.size}\0${stat.mtimeMs}`).digest("hex");
  const cached = join(cacheDir, `${key}.js`);
  if (existsSync(cached)) return { format: "module", source: readFileSync(cached, "utf8"), shortCircuit: true };
  typescript ??= (await import("typescript")).default;
  const output = typescript.transpileModule(readFileSync(path, "utf8"), {
    fileName: path,
    compilerOptions: {
      module: typescript.ModuleKind.ESNext,
      target: typescript.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
      inlineSourceMap: true,
    },
  });
  try {
    mkdirSync(cacheDir, { recursive: true });
    // Written aside and renamed, so a concurrent reader never sees half a file.
    const temp = `${cached}.${process.pid}.tmp`;
    writeFileSync(temp, output.outputText);
    renameSync(temp, cached);
  } catch {
    // A cache that cannot be written only costs speed.
  }
  return { format: "module", source: output.outputText, shortCircuit: true };
}
