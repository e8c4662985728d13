// Shell blocks are not run (they install, build or start servers), but the repository paths and workspace package
// names they mention must exist, so a moved file or renamed package shows up here.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Snippet } from "./markdown.js";

const repoPath = /^(?:\.\/)?((?:packages|tools|examples|docs|proto)\/[A-Za-z0-9_.\-/]*)$/;

/** Problems of one shell block: repository paths that do not exist, `--filter` names that are no workspace package. */
export function shellProblems(snippet: Snippet, root: string, packageNames: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const lines = snippet.code.split("\n");
  for (const [i, raw] of lines.entries()) {
    const line = raw.replace(/#.*$/, "");
    const tokens = line.split(/\s+/).filter((t) => t !== "");
    for (const [j, token] of tokens.entries()) {
      const word = token.replace(/[,;:)]+$/, "");
      const path = repoPath.exec(word)?.[1];
      if (path !== undefined && !/[*<>{}[\]]/.test(path) && !existsSync(join(root, path)))
        problems.push(`${snippet.doc}:${snippet.line + i}: ${path} does not exist`);
      if ((word === "--filter" || word === "-F") && tokens[j + 1] !== undefined) {
        const name = tokens[j + 1] ?? "";
        if (!/[*{}]/.test(name) && !packageNames.has(name))
          problems.push(`${snippet.doc}:${snippet.line + i}: no workspace package is named ${name}`);
      }
    }
  }
  return problems;
}
