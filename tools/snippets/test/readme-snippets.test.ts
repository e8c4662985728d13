// Every code block of the READMEs and docs/: TypeScript blocks are run (complete programs) or type-checked
// (fragments) against the built workspace packages, as a user who pasted them into a fresh project would;
// the marker convention is in tools/snippets/README.md.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectSnippets } from "../src/docs.js";
import type { Snippet } from "../src/markdown.js";
import { createProject, type Project, repoRoot, workspacePackages } from "../src/project.js";
import { expectedOutput, limited, type RunResult, runProblems, runScript } from "../src/run.js";
import { shellProblems } from "../src/shell.js";
import { type SnippetDiagnostic, transpileFile, typecheckProject } from "../src/typecheck.js";

const { snippets, problems } = collectSnippets(repoRoot);
const runs = snippets.filter((s) => s.kind === "run");
const fragments = snippets.filter((s) => s.kind === "fragment");
const skipped = snippets.filter((s) => s.kind === "skip");

let project: Project | undefined;
let diagnostics: SnippetDiagnostic[] = [];
const runResults = new Map<Snippet, Promise<RunResult>>();
const timings: string[] = [];
const tolerated: string[] = [];
// Two programs at a time: CI has 2 cores.
const runConcurrency = 2;

beforeAll(async () => {
  const built = ["actor", "remote", "cluster", "grains", "pubsub", "testkit"].every((p) =>
    existsSync(join(repoRoot, "packages", p, "dist", "index.d.ts")),
  );
  if (!built) throw new Error("the snippets import the built packages, as users do: run `npx tsc -b` first");
  let started = performance.now();
  const created = await createProject(snippets);
  project = created;
  timings.push(`project ${Math.round(performance.now() - started)} ms`);
  started = performance.now();
  diagnostics = typecheckProject(created);
  timings.push(`type-check ${Math.round(performance.now() - started)} ms`);
  for (const file of created.fixtureSources) transpileFile(file);
  const files = runs.map((snippet) => {
    const file = created.files.find((f) => f.snippet === snippet);
    if (file === undefined) throw new Error(`${snippet.doc}:${snippet.line} was not written into the project`);
    return file;
  });
  const results = limited(
    files.map((file) => () => runScript(transpileFile(file.path), file.snippet.timeoutMs)),
    runConcurrency,
  );
  files.forEach((file, i) => runResults.set(file.snippet, results[i] as Promise<RunResult>));
}, 120_000);

afterAll(async () => {
  await project?.dispose();
  const reasons = new Map<string, number>();
  for (const s of skipped) reasons.set(s.reason, (reasons.get(s.reason) ?? 0) + 1);
  const lines = [...reasons].sort((a, b) => b[1] - a[1]).map(([reason, n]) => `  ${n} skipped: ${reason}`);
  console.log(
    `README snippets: ${runs.length} run, ${fragments.length} type-checked, ${skipped.length} skipped (${timings.join(", ")})\n${[...lines, ...tolerated.map((t) => `  note: ${t}`)].join("\n")}`,
  );
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
      const result = runResults.get(snippet);
      if (result === undefined) throw new Error("the program was not started (see the beforeAll error)");
      const outcome = await result;
      if (snippet.allowLogs !== undefined && outcome.stderr.trim() !== "")
        tolerated.push(`${snippet.doc}:${snippet.line} logged warnings or errors (allowed: ${snippet.allowLogs})`);
      expect(runProblems(outcome, expectedOutput(snippet.code), snippet.timeoutMs, snippet.allowLogs !== undefined)).toEqual([]);
    }, 120_000);
  }
});
