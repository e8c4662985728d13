// Type-checks every block of a project in one TypeScript program with the repository's strict settings, and
// transpiles the blocks that run.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import type { Project, ProjectFile } from "./project.js";
import { repoRoot } from "./project.js";

/** A type error, placed in the Markdown file where the reader sees the code. */
export interface SnippetDiagnostic {
  /** "README.md:42" (or the project path for errors outside any block). */
  readonly where: string;
  readonly message: string;
}

/**
 * tsconfig.base.json's compiler options (ES2022, NodeNext, strict, exactOptionalPropertyTypes, …), for a program
 * that emits nothing; plus erasableSyntaxOnly, so a block also runs where Node strips the types itself.
 */
export function snippetCompilerOptions(): ts.CompilerOptions {
  const path = join(repoRoot, "tsconfig.base.json");
  const read = ts.readConfigFile(path, ts.sys.readFile);
  if (read.error !== undefined) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, "\n"));
  const parsed = ts.convertCompilerOptionsFromJson((read.config as { compilerOptions?: unknown }).compilerOptions, repoRoot);
  if (parsed.errors.length > 0) throw new Error(parsed.errors.map((e) => ts.flattenDiagnosticMessageText(e.messageText, "\n")).join("\n"));
  return {
    ...parsed.options,
    noEmit: true,
    composite: false,
    incremental: false,
    declaration: false,
    declarationMap: false,
    sourceMap: false,
    allowJs: true,
    checkJs: true,
    erasableSyntaxOnly: true,
  };
}

function placeOf(file: ProjectFile | undefined, line: number, projectPath: string): string {
  if (file === undefined) return `${projectPath}:${line + 1}`;
  const inBlock = line - file.preambleLines;
  if (inBlock < 0) return `${file.snippet.doc}:${file.snippet.line - 1} (marker preamble, line ${line + 1})`;
  return `${file.snippet.doc}:${file.snippet.line + inBlock}`;
}

/** Type-checks every block of `project` in one program; returns the errors, each placed in its Markdown file. */
export function typecheckProject(project: Project): SnippetDiagnostic[] {
  const options = snippetCompilerOptions();
  const program = ts.createProgram({ rootNames: project.files.map((f) => f.path), options });
  const byPath = new Map(project.files.map((f) => [f.path, f]));
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    if (d.file === undefined || d.start === undefined) return { where: "(program)", message };
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    const projectPath = d.file.fileName.startsWith(project.dir) ? d.file.fileName.slice(project.dir.length + 1) : d.file.fileName;
    return { where: placeOf(byPath.get(d.file.fileName), line, projectPath), message: `TS${d.code}: ${message}` };
  });
}

/** Writes the JavaScript of a TypeScript file next to it (main.ts → main.js); returns its path. */
export function transpileFile(path: string): string {
  if (path.endsWith(".mjs") || path.endsWith(".js")) return path;
  const options = snippetCompilerOptions();
  const output = ts.transpileModule(readFileSync(path, "utf8"), {
    fileName: path,
    compilerOptions: { target: options.target ?? ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true },
  });
  const out = path.replace(/\.mts$/, ".mjs").replace(/\.ts$/, ".js");
  writeFileSync(out, output.outputText);
  return out;
}
