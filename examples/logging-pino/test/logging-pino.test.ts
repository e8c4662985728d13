import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

describe("pino as the TsAkt logger", () => {
  it("receives the actor's own logs and the supervisor's failure report as JSON lines", async () => {
    const { stdout } = await run(process.execPath, [resolve(import.meta.dirname, "../dist/main.js")], { timeout: 30_000 });
    const entries = stdout
      .trim()
      .split("\n")
      .map(
        (line) =>
          JSON.parse(line) as { msg: string; actor?: string; directive?: string; err?: { message: string }; app: string; phase?: string },
      );
    expect(entries.filter((e) => e.msg === "hello handled")).toHaveLength(2);
    const failure = entries.find((e) => e.msg === "actor failed");
    expect(failure).toMatchObject({ directive: "resume", actor: "tsakt://logging/user/worker", app: "logging-pino" });
    expect(failure?.err?.message).toBe("simulated failure");
    expect(entries.at(-1)).toMatchObject({ msg: "done", phase: "shutdown", app: "logging-pino" });
  });
});
