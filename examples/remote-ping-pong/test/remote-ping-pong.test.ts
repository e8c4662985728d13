import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

describe("the remote ping-pong example", () => {
  it("plays ping-pong with a second process, asks it, sees Terminated after SIGKILL, and exits 0 by itself", async () => {
    const main = resolve(import.meta.dirname, "../dist/main.js");
    const { stdout, stderr } = await run(process.execPath, [main], { timeout: 20_000 });
    const pong = String.raw`tsakt://pong@127\.0\.0\.1:\d+/user/pong`;
    const lines = stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(new RegExp(String.raw`^1\. tsakt://ping@127\.0\.0\.1:\d+ found ${pong} \(pong process (\d+)\)$`));
    expect(lines[1]).toMatch(/^2\. 1000 ping\/pong rounds in \d+ ms: median \d+\.\d{3} ms, p99 \d+\.\d{3} ms per round trip$/);
    const pongPid = /pong process (\d+)/.exec(lines[0] ?? "")?.[1];
    expect(lines[2]).toBe(`3. remote ask answered: pong (pid ${pongPid}) heard "are you there?"`);
    expect(lines[3]).toMatch(
      new RegExp(String.raw`^4\. watcher got Terminated for ${pong} after the pong process was killed with SIGKILL$`),
    );
    expect(lines[4]).toBe("5. an ask after the kill fails at once: RemoteUnreachableError");
    expect(lines[5]).toBe("done: the ping system stops on scope exit");
    expect(stderr).toBe("");
  });
});
