import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

describe("the hello-local example", () => {
  it("greets twice by tell, answers the ask with 2, stops the greeter and exits 0 by itself", async () => {
    const main = resolve(import.meta.dirname, "../dist/main.js");
    const { stdout, stderr } = await run(process.execPath, [main], { timeout: 30_000 });
    expect(stdout).toBe(
      [
        "hello, Ada",
        "hello, Grace",
        "tsakt://hello/user/greeter has greeted 2 people",
        "greeter stopped after 2 greetings",
        "greeter alive: false",
        "",
      ].join("\n"),
    );
    expect(stderr).toBe("");
  });
});
