import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../../..");
const fixture = resolve(import.meta.dirname, "types/contracts.ts");

/** The options `pnpm typecheck` type-checks test files with (tsconfig.tests.json: strict, @tsakt/* to sources). */
function compilerOptions(): ts.CompilerOptions {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    resolve(root, "tsconfig.tests.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      },
    },
  );
  if (parsed === undefined) throw new Error("cannot read tsconfig.tests.json");
  return parsed.options;
}

/** Type-checks `text` as the fixture file; returns its errors as "line: message" (1-based lines). */
let previous: ts.Program | undefined;
function errorsOf(text: string, options: ts.CompilerOptions): Map<number, string[]> {
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) =>
    resolve(name) === fixture ? ts.createSourceFile(name, text, language) : read(name, language, ...rest);
  // Reusing the previous program keeps the second check from parsing every @tsakt source again.
  const program = ts.createProgram([fixture], options, host, previous);
  previous = program;
  const byLine = new Map<number, string[]>();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    expect(d.file && resolve(d.file.fileName), ts.flattenDiagnosticMessageText(d.messageText, "\n")).toBe(fixture);
    const line = (d.file as ts.SourceFile).getLineAndCharacterOfPosition(d.start ?? 0).line + 1;
    byLine.set(line, [...(byLine.get(line) ?? []), ts.flattenDiagnosticMessageText(d.messageText, " ")]);
  }
  return byLine;
}

describe("the generated code's types", () => {
  const source = readFileSync(fixture, "utf8");
  const lines = source.split("\n");
  const expected = lines.flatMap((line, i) => (line.trim().startsWith("// @ts-expect-error") ? [i + 2] : []));
  const options = compilerOptions();

  it("compile the fixture, where each @ts-expect-error line is an error", () => {
    expect(expected.length).toBeGreaterThanOrEqual(15);
    expect(Object.fromEntries(errorsOf(source, options))).toEqual({});
  }, 60_000);

  it("reject exactly the marked lines once the directives are gone: wrong requests, identities and replies", () => {
    const stripped = source.replaceAll("// @ts-expect-error", "// (expected error)");
    const errors = errorsOf(stripped, options);
    expect([...errors.keys()].sort((a, b) => a - b)).toEqual(expected);
    const at = (marker: string) => {
      const line = lines.findIndex((l) => l.includes(marker)) + 2;
      return (errors.get(line) ?? []).join(" | ");
    };
    expect(at("wrong identity type: a number")).toContain("'number' is not assignable to parameter of type 'string'");
    expect(at("another rpc's request message")).toContain("fixture.v1.AuditRequest");
    expect(at("deposit answers a Balance, not a string")).toContain("'Balance' is not assignable to type 'string'");
    expect(at("Record answers a RecordReply")).toContain("'RecordReply' is not assignable to type 'Balance'");
    expect(at("deposit must answer a Balance, not a string")).toContain("string");
    expect(at("the rpc Then is generated as then$")).toContain("Property 'then' does not exist");
  }, 60_000);
});
