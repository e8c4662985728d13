// The snippet harness itself: a block that breaks the convention, does not type-check, prints the wrong thing, logs
// to stderr or hangs must fail, or the README test proves nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extractSnippets, type Snippet } from "../src/markdown.js";
import { createProject, importedPackages, type Project, repoRoot, workspacePackages } from "../src/project.js";
import { expectedOutput, limited, runProblems, runScript } from "../src/run.js";
import { shellProblems } from "../src/shell.js";
import { transpileFile, typecheckProject } from "../src/typecheck.js";

const fence = "```";

describe("extractSnippets", () => {
  it("reads run, fragment and skip markers with their preamble, attributes and first code line", () => {
    const doc = [
      "# Title",
      "<!-- snippet: run timeoutMs=5000 -->",
      `${fence}ts`,
      "console.log(1); // 1",
      fence,
      "",
      "<!-- snippet: fragment file=test/a.test.ts",
      'import type { PID } from "@tsakt/actor";',
      "declare const pid: PID;",
      "-->",
      "",
      `${fence}typescript`,
      "pid.tell(1);",
      fence,
      "<!-- snippet: skip needs a Kubernetes cluster -->",
      `${fence}ts`,
      "await kubectl();",
      fence,
      `${fence}sh`,
      "pnpm test",
      fence,
    ].join("\n");
    const { snippets, problems } = extractSnippets("doc.md", doc);
    expect(problems).toEqual([]);
    expect(snippets.map((s) => [s.kind, s.line, s.lang, s.code, s.file, s.timeoutMs, s.reason])).toEqual([
      ["run", 4, "ts", "console.log(1); // 1", "main.ts", 5000, ""],
      ["fragment", 13, "typescript", "pid.tell(1);", "test/a.test.ts", 20000, ""],
      ["skip", 17, "ts", "await kubectl();", "main.ts", 20000, "needs a Kubernetes cluster"],
      ["skip", 20, "sh", "pnpm test", "main.ts", 20000, "sh: shell commands"],
    ]);
    expect(snippets[1]?.preamble).toBe('import type { PID } from "@tsakt/actor";\ndeclare const pid: PID;');
  });

  it("reports a ts block without a marker, a block without a language, and malformed markers", () => {
    const doc = [
      `${fence}ts`,
      "const a = 1;",
      fence,
      fence,
      "output",
      fence,
      "<!-- snippet: skip -->",
      `${fence}ts`,
      fence,
      "<!-- snippet: compile -->",
      `${fence}ts`,
      fence,
      "<!-- snippet: run -->",
      "Some prose between the marker and its block.",
      `${fence}ts`,
      fence,
      "<!-- snippet: fragment colour=red -->",
      `${fence}sh`,
      fence,
    ].join("\n");
    const { problems } = extractSnippets("doc.md", doc);
    expect(problems.map((p) => `${p.line}: ${p.problem.split(":")[0]}`)).toEqual([
      "1: a TypeScript/JavaScript block without a marker",
      "4: a code block without a language",
      "7: a skipped snippet needs a reason",
      '10: unknown snippet kind "compile"',
      "11: a TypeScript/JavaScript block without a marker",
      "13: a snippet marker must stand right before its code block",
      "15: a TypeScript/JavaScript block without a marker",
      '17: unknown snippet attribute "colour" (known',
      "17: a sh block cannot be fragment; only TypeScript/JavaScript blocks are checked",
    ]);
  });
});

describe("helpers", () => {
  it("takes expected output from the trailing comments of console.log lines", () => {
    expect(expectedOutput('console.log(a); // 1\nconst b = 2; // not output\n  console.log("x");\nconsole.log(b) //  two words ')).toEqual([
      "1",
      "two words",
    ]);
  });

  it("lists the packages a block imports, leaving out Node built-ins and relative paths", () => {
    const code =
      'import { a } from "@tsakt/actor/internal";\nimport b from "consul";\nimport "node:fs";\nimport { c } from "./gen/x.js";\nawait import("fs");\nimport { d } from "etcd3/lib";';
    expect(importedPackages(code)).toEqual(["@tsakt/actor", "consul", "etcd3"]);
  });

  it("runs at most `concurrency` jobs at once", async () => {
    let running = 0;
    let most = 0;
    const job = async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      return most;
    };
    await Promise.all(limited([job, job, job, job, job], 2));
    expect(most).toBe(2);
  });

  it("finds repository paths and --filter names in shell blocks that do not exist", () => {
    const snippet: Snippet = {
      doc: "doc.md",
      line: 10,
      lang: "sh",
      code: "node tools/snippets/src/run.ts\nnpx vitest run packages/no-such-package/test   # comment: packages/ignored\npnpm --filter @tsakt/no-such start\npnpm --filter @tsakt/actor test",
      kind: "skip",
      reason: "",
      preamble: "",
      file: "main.ts",
      timeoutMs: 1,
    };
    expect(shellProblems(snippet, repoRoot, new Set(workspacePackages().keys()))).toEqual([
      "doc.md:11: packages/no-such-package/test does not exist",
      "doc.md:12: no workspace package is named @tsakt/no-such",
    ]);
  });
});

describe("a project of broken blocks", () => {
  const doc = [
    "<!-- snippet: fragment",
    'import type { PID } from "@tsakt/actor";',
    "declare const pid: PID;",
    "-->",
    `${fence}ts`,
    "pid.tell(1);",
    "const n: number = pid.name;",
    fence,
    "<!-- snippet: run -->",
    `${fence}ts`,
    'import { ActorSystem } from "@tsakt/actor";',
    'const system = await ActorSystem.start({ name: "ok" });',
    "console.log(system.name); // ok",
    "await system.stop();",
    fence,
    "<!-- snippet: run -->",
    `${fence}ts`,
    "console.log(2); // 3",
    fence,
    "<!-- snippet: run -->",
    `${fence}ts`,
    'console.error("something went wrong");',
    fence,
    "<!-- snippet: run timeoutMs=1500 -->",
    `${fence}ts`,
    "setInterval(() => {}, 1000);",
    fence,
    "<!-- snippet: run allowLogs=issue-0 -->",
    `${fence}ts`,
    'console.error(JSON.stringify({ level: "warn", msg: "tolerated" }));',
    'console.error(JSON.stringify({ level: "error", msg: "tolerated too" }));',
    'console.error("not a log line");',
    fence,
  ].join("\n");
  const { snippets } = extractSnippets("broken.md", doc);
  let project: Project;

  beforeAll(async () => {
    project = await createProject(snippets);
  }, 120_000);

  afterAll(async () => {
    await project?.dispose();
  });

  it("places a type error at its line in the Markdown file", () => {
    expect(typecheckProject(project).map((d) => `${d.where}: ${d.message.split(":")[0]}`)).toEqual(["broken.md:7: TS2322"]);
  });

  it("fails a program that prints the wrong thing, writes to stderr or does not exit, and passes a good one", async () => {
    const runs = project.files.filter((f) => f.snippet.kind === "run");
    const problems: string[][] = [];
    for (const file of runs) {
      const result = await runScript(transpileFile(file.path), file.snippet.timeoutMs);
      const allowLogs = file.snippet.allowLogs !== undefined;
      const found = runProblems(result, expectedOutput(file.snippet.code), file.snippet.timeoutMs, allowLogs);
      problems.push(found.map((p) => (allowLogs ? p : (p.split(/[:(]/)[0] ?? p))));
    }
    expect(problems).toEqual([
      [],
      ['did not print "3" '],
      ["wrote to stderr "],
      ["did not exit within 1500 ms "],
      ["wrote to stderr (a clean run logs nothing above info):\nnot a log line"],
    ]);
  });
});
