// Which Markdown files the snippet test reads: the root README, every package, example and tool README, and docs/.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { extractSnippets, type Snippet, type SnippetProblem } from "./markdown.js";

/** The documentation files, relative to `root`, in a stable order. */
export function documentationFiles(root: string): string[] {
  const files = ["README.md"];
  for (const group of ["packages", "examples", "tools"]) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const entry of readdirSync(base).sort()) if (existsSync(join(base, entry, "README.md"))) files.push(`${group}/${entry}/README.md`);
  }
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".md")) files.push(relative(root, path));
    }
  };
  walk(join(root, "docs"));
  return files;
}

/** Every block of every documentation file, and the blocks that break the convention. */
export function collectSnippets(root: string): { snippets: Snippet[]; problems: SnippetProblem[] } {
  const snippets: Snippet[] = [];
  const problems: SnippetProblem[] = [];
  for (const doc of documentationFiles(root)) {
    const found = extractSnippets(doc, readFileSync(join(root, doc), "utf8"));
    snippets.push(...found.snippets);
    problems.push(...found.problems);
  }
  return { snippets, problems };
}
