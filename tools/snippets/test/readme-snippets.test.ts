// Every code block of the READMEs and docs/: TypeScript blocks are run (complete programs) or type-checked
// (fragments) against the built workspace packages, as a user who pasted them into a fresh project would;
// the marker convention is in tools/snippets/README.md.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectSnippets } from "../src/docs.js";
import { createProject, type Project, repoRoot, workspacePackages } from "../src/project.js";
import { expectedOutput, runProblems, runScript } from "../src/run.js";
import { shellProblems } from "../src/shell.js";
import { type SnippetDiagnostic, transpileFile, typecheckProject } from "../src/typecheck.js";

const { snippets, problems } = collectSnippets(repoRoot);
const runs = snippets.filter((s) => s.kind === "run");
const fragments = snippets.filter((s) => s.kind === "fragment");
const skipped = snippets.filter((s) => s.kind === "skip");

let project: Project | undefined;
let diagnostics: SnippetDiagnostic[] = [];

beforeAll(async () => {
  const built = ["actor", "remote", "cluster", "grains", "pubsub", "testkit"].every((p) =>
    existsSync(join(repoRoot, "packages", p, "dist", "index.d.ts")),
  );
  if (!built) throw new Error("the snippets import the built packages, as users do: run `npx tsc -b` first");
  project = await createProject(snippets);
  diagnostics = typecheckProject(project);
  for (const file of project.fixtureSources) transpileFile(file);
}, 120_000);

afterAll(async () => {
  await project?.dispose();
  const reasons = new Map<string, number>();
  for (const s of skipped) reasons.set(s.reason, (reasons.get(s.reason) ?? 0) + 1);
  const lines = [...reasons].sort((a, b) => b[1] - a[1]).map(([reason, n]) => `  ${n} skipped: ${reason}`);
  console.log(`README snippets: ${runs.length} run, ${fragments.length} type-checked, ${skipped.length} skipped\n${lines.join("\n")}`);
});

describe("README and docs/ code blocks", () => {
  it("each TypeScript/JavaScript block carries a snippet marker, and every block names its language", () => {
    expect(problems.map((p) => `${p.doc}:${p.line}: ${p.problem}`)).toEqual([]);
  });

  it("no block uses `await using`, a SyntaxError in .mjs on Node 20 and 22", () => {
    const offenders = [...runs, ...fragments].filter((s) => /\bawait\s+using\s/.test(s.code)).map((s) => `${s.doc}:${s.line}`);
    expect(offenders).toEqual([]);
  });

  it("every run and fragment block type-checks with the repository's strict settings", () => {
    expect(diagnostics.map((d) => `${d.where}: ${d.message}`)).toEqual([]);
  });

  it("shell blocks name repository paths and workspace packages that exist", () => {
    const names = new Set(workspacePackages().keys());
    const found = snippets.filter((s) => s.lang === "sh" || s.lang === "bash").flatMap((s) => shellProblems(s, repoRoot, names));
    expect(found).toEqual([]);
  });

  for (const snippet of runs) {
    it(`${snippet.doc}:${snippet.line} runs, exits 0 and prints what its comments say`, async () => {
      const file = project?.files.find((f) => f.snippet === snippet);
      if (file === undefined) throw new Error("the project was not created");
      const result = await runScript(transpileFile(file.path), snippet.timeoutMs);
      expect(runProblems(result, expectedOutput(snippet.code), snippet.timeoutMs)).toEqual([]);
    }, 60_000);
  }
});
