import { readFileSync } from "node:fs";

/** This package's version, written into the header of every generated file. */
export const version: string = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string })
  .version;
