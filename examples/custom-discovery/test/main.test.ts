import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

describe("the custom-discovery program", () => {
  it("shows two file-backed providers seeing each other, then one deregistering", async () => {
    const { stdout } = await run(process.execPath, [resolve(import.meta.dirname, "../dist/main.js")], { timeout: 30_000 });
    expect(stdout.trim().split("\n")).toEqual([
      "alpha sees: beta@127.0.0.1:4002",
      "beta sees: alpha@127.0.0.1:4001",
      "after beta deregisters, alpha sees 0 peer(s)",
    ]);
  });
});
