// Finds the fenced code blocks of a Markdown file and the `<!-- snippet: … -->` marker in front of each.

/** What the test does with a block. */
export type SnippetKind = "run" | "fragment" | "skip";

/** A fenced code block of a Markdown file. */
export interface Snippet {
  /** The Markdown file, relative to the repository root. */
  readonly doc: string;
  /** 1-based line of the first code line (the one after the opening fence). */
  readonly line: number;
  /** The fence's language, lower-cased ("" when none). */
  readonly lang: string;
  /** The code between the fences, without the fence's indentation. */
  readonly code: string;
  readonly kind: SnippetKind;
  /** Why a block is skipped (from the marker, or from its language). */
  readonly reason: string;
  /** Code the marker puts in front of the block (imports, declarations), invisible in the rendered page. */
  readonly preamble: string;
  /** Where the block lives in the generated project ("main.ts" unless the marker says `file=…`). */
  readonly file: string;
  /** Longest a `run` block may take. Default: 20000. */
  readonly timeoutMs: number;
  /**
   * Why a `run` block may log warnings and errors (a known bug, named by its issue); undefined when it may log
   * nothing. Anything on stderr that is not a log line (a stack trace, plain text) still fails it.
   */
  readonly allowLogs?: string;
}

/** A block the convention does not allow, with what to do about it. */
export interface SnippetProblem {
  readonly doc: string;
  readonly line: number;
  readonly problem: string;
}

/** Languages whose blocks are TypeScript or JavaScript and need a marker. */
export const codeLanguages: ReadonlySet<string> = new Set(["ts", "typescript", "js", "javascript", "mjs"]);

/** Other languages a block may have; they are not run, and the reason says what they hold. */
export const otherLanguages: ReadonlyMap<string, string> = new Map([
  ["sh", "shell commands"],
  ["bash", "shell commands"],
  ["yaml", "a YAML manifest"],
  ["sql", "SQL the store runs"],
  ["text", "program output or a layout"],
  ["json", "JSON data"],
  ["proto", "a protobuf schema"],
]);

const defaultTimeoutMs = 20_000;

interface Marker {
  readonly kind: SnippetKind;
  readonly reason: string;
  readonly preamble: string;
  readonly attributes: ReadonlyMap<string, string>;
  /** Line of the marker's end, so only blank lines may stand between it and the block. */
  readonly endLine: number;
  readonly line: number;
}

/** Reads a marker comment that starts at `lines[start]`; undefined when the line is not one. */
function readMarker(lines: readonly string[], start: number, doc: string, problems: SnippetProblem[]): Marker | undefined {
  const first = lines[start]?.trim() ?? "";
  if (!first.startsWith("<!-- snippet:")) return undefined;
  let end = start;
  while (end < lines.length && !(lines[end] ?? "").includes("-->")) end++;
  if (end >= lines.length) {
    problems.push({ doc, line: start + 1, problem: "the snippet marker is not closed with -->" });
    return undefined;
  }
  const text = lines.slice(start, end + 1).join("\n");
  const body = text.slice(text.indexOf("snippet:") + "snippet:".length, text.lastIndexOf("-->"));
  const newline = body.indexOf("\n");
  const head = (newline < 0 ? body : body.slice(0, newline)).trim();
  const preamble = newline < 0 ? "" : body.slice(newline + 1).replace(/\s+$/, "");
  const [kindWord = "", ...rest] = head.split(/\s+/);
  const attributes = new Map<string, string>();
  const words: string[] = [];
  for (const word of rest) {
    const eq = word.indexOf("=");
    if (eq > 0 && /^[a-zA-Z]+$/.test(word.slice(0, eq))) attributes.set(word.slice(0, eq), word.slice(eq + 1));
    else words.push(word);
  }
  if (kindWord !== "run" && kindWord !== "fragment" && kindWord !== "skip") {
    problems.push({ doc, line: start + 1, problem: `unknown snippet kind "${kindWord}": use run, fragment or skip <reason>` });
    return undefined;
  }
  const reason = words.join(" ");
  if (kindWord === "skip" && reason === "")
    problems.push({ doc, line: start + 1, problem: "a skipped snippet needs a reason: <!-- snippet: skip why it cannot be checked -->" });
  if (kindWord !== "skip" && reason !== "")
    problems.push({ doc, line: start + 1, problem: `unexpected words after "${kindWord}": ${reason} (attributes are name=value)` });
  for (const name of attributes.keys())
    if (name !== "file" && name !== "timeoutMs" && name !== "allowLogs")
      problems.push({ doc, line: start + 1, problem: `unknown snippet attribute "${name}" (known: file, timeoutMs, allowLogs)` });
  if (attributes.has("allowLogs") && kindWord !== "run")
    problems.push({ doc, line: start + 1, problem: "allowLogs applies to run blocks only" });
  if (kindWord === "skip" && preamble !== "") problems.push({ doc, line: start + 1, problem: "a skipped snippet takes no preamble" });
  return { kind: kindWord, reason, preamble, attributes, endLine: end, line: start + 1 };
}

/**
 * Every fenced block of `markdown`, with its marker. A ts/js block must have a marker right before it (only blank
 * lines between); every block must name its language. Breaking these rules is a problem, not an exception.
 */
export function extractSnippets(doc: string, markdown: string): { snippets: Snippet[]; problems: SnippetProblem[] } {
  const lines = markdown.split("\n");
  const snippets: Snippet[] = [];
  const problems: SnippetProblem[] = [];
  let pending: Marker | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const marker = readMarker(lines, i, doc, problems);
    if (marker !== undefined) {
      if (pending !== undefined) problems.push({ doc, line: pending.line, problem: "a snippet marker is not followed by a code block" });
      pending = marker;
      i = marker.endLine;
      continue;
    }
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(line);
    if (open === null) {
      if (pending !== undefined && line.trim() !== "") {
        problems.push({ doc, line: pending.line, problem: "a snippet marker must stand right before its code block" });
        pending = undefined;
      }
      continue;
    }
    const indent = open[1]?.length ?? 0;
    const fence = open[2] ?? "```";
    const lang = (open[3] ?? "").toLowerCase();
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const l = lines[j] ?? "";
      if (l.trim().startsWith(fence[0]!.repeat(fence.length)) && l.trim().replace(/[`~]/g, "") === "") break;
      body.push(l.slice(Math.min(indent, l.length - l.trimStart().length)));
    }
    const start = i + 2;
    i = j;
    const snippet = classify(doc, start, lang, body.join("\n"), pending, problems);
    pending = undefined;
    if (snippet !== undefined) snippets.push(snippet);
  }
  if (pending !== undefined) problems.push({ doc, line: pending.line, problem: "a snippet marker is not followed by a code block" });
  return { snippets, problems };
}

function classify(
  doc: string,
  line: number,
  lang: string,
  code: string,
  marker: Marker | undefined,
  problems: SnippetProblem[],
): Snippet | undefined {
  const base = { doc, line, lang, code, preamble: "", file: "main.ts", timeoutMs: defaultTimeoutMs };
  if (codeLanguages.has(lang)) {
    if (marker === undefined) {
      problems.push({
        doc,
        line: line - 1,
        problem:
          "a TypeScript/JavaScript block without a marker: put <!-- snippet: run -->, <!-- snippet: fragment --> or " +
          "<!-- snippet: skip <reason> --> right before it (see tools/snippets/README.md)",
      });
      return undefined;
    }
    const timeout = Number(marker.attributes.get("timeoutMs") ?? defaultTimeoutMs);
    if (!(Number.isInteger(timeout) && timeout > 0))
      problems.push({ doc, line: marker.line, problem: "timeoutMs must be a positive integer" });
    const js = lang === "js" || lang === "javascript" || lang === "mjs";
    const file = marker.attributes.get("file") ?? (js ? "main.mjs" : "main.ts");
    if (!/^[\w-]+(\/[\w.-]+)*\.(ts|mts|mjs)$/.test(file) || file.includes(".."))
      problems.push({ doc, line: marker.line, problem: `file=${file} must be a relative .ts/.mts/.mjs path inside the project` });
    const allowLogs = marker.attributes.get("allowLogs");
    const snippet = { ...base, kind: marker.kind, reason: marker.reason, preamble: marker.preamble, file, timeoutMs: timeout };
    return allowLogs === undefined ? snippet : { ...snippet, allowLogs };
  }
  if (lang === "") {
    problems.push({ doc, line: line - 1, problem: "a code block without a language: name it (text for output, sh for commands)" });
    return undefined;
  }
  const what = otherLanguages.get(lang);
  if (what === undefined) {
    problems.push({
      doc,
      line: line - 1,
      problem: `unknown block language "${lang}" (known: ${[...codeLanguages, ...otherLanguages.keys()].join(", ")})`,
    });
    return undefined;
  }
  if (marker !== undefined && marker.kind !== "skip")
    problems.push({
      doc,
      line: marker.line,
      problem: `a ${lang} block cannot be ${marker.kind}; only TypeScript/JavaScript blocks are checked`,
    });
  return { ...base, kind: "skip", reason: marker?.kind === "skip" ? marker.reason : `${lang}: ${what}` };
}
