import { readFileSync } from "node:fs";

// Read, not imported: JSON import attributes need Node 20.10, and the package supports every Node 20. The build
// copies the file (tsconfig includes it) to dist/schema beside this module.
let cached: Readonly<Record<string, unknown>> | undefined;

/** The JSON schema (draft 2020-12) of every response of the endpoint, also published as @tsakt/management/schema.json. */
export function managementSchema(): Readonly<Record<string, unknown>> {
  cached ??= Object.freeze(
    JSON.parse(readFileSync(new URL("./schema/management.schema.json", import.meta.url), "utf8")) as Record<string, unknown>,
  );
  return cached;
}
