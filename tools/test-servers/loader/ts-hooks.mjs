// Module hooks that let a child `node` run the repo's TypeScript sources directly, mirroring the vitest aliases:
// `@tsakt/<pkg>[/<entry>]` maps to packages/<pkg>/src/<entry>.ts (or tools/<pkg>/src/...), and `./x.js` imports
// written for NodeNext map to the `./x.ts` beside them. Types are erased per file, without type checking.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const repoRoot = new URL("../../../", import.meta.url);

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
  const output = ts.transpileModule(readFileSync(new URL(url), "utf8"), {
    fileName: fileURLToPath(url),
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
      inlineSourceMap: true,
    },
  });
  return { format: "module", source: output.outputText, shortCircuit: true };
}
