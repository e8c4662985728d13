// Vitest global setup: fills the transpile cache of ts-hooks.mjs with every source file of packages/*/src and
// tools/*/src once, before tests start child processes that run TypeScript (several at once would each transpile
// every file, which under load takes longer than the tests wait for them).
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { load } from "./ts-hooks.mjs";

const root = new URL("../../../", import.meta.url);

function sources(dir, out) {
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

export async function setup() {
  const files = [];
  for (const area of ["packages", "tools"])
    for (const pkg of readdirSync(new URL(area, root))) sources(join(new URL(area, root).pathname, pkg, "src"), files);
  for (const file of files) await load(pathToFileURL(file).href, {}, () => undefined);
}
