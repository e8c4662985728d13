import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

describe("the supervision example", () => {
  it("shows resume, restart, death watch, dead letters and ask failure, then exits 0 by itself", async () => {
    const main = resolve(import.meta.dirname, "../dist/main.js");
    const { stdout } = await run(process.execPath, [main], { timeout: 60_000 });
    expect(stdout).toContain("alice after a refused overdraft: 100 (resumed");
    expect(stdout).toContain("alice after a corrupt ledger:    0 (restarted");
    expect(stdout).toMatch(/bank saw Terminated for tsakt:\/\/demo\/user\/bank\/bob/);
    expect(stdout).toContain("dead letter to tsakt://demo/user/bank/bob");
    expect(stdout).toContain("ask to stopped bob: DeadActorError (DeadActor)");
    expect(stdout).toMatch(/1,000,000 messages in \d+ ms/);
  });
});
