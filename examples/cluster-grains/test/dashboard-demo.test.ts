import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";

describe("pnpm demo --dashboard", () => {
  it("prints the dashboard URL, keeps running through the kill and failover, and stops cleanly on SIGINT", async () => {
    const child = spawn(process.execPath, [resolve(import.meta.dirname, "../dist/main.js"), "--dashboard", "--kill-after", "1"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const lines: string[] = [];
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    const waitLine = (pattern: RegExp, ms: number) =>
      new Promise<string>((ok, fail) => {
        const found = lines.find((l) => pattern.test(l));
        if (found !== undefined) return ok(found);
        const timer = setTimeout(() => fail(new Error(`no line matching ${pattern} within ${ms} ms:\n${lines.join("\n")}\n${stderr}`)), ms);
        const check = (line: string) => {
          if (!pattern.test(line)) return;
          clearTimeout(timer);
          ok(line);
        };
        reader.on("line", check);
      });
    const reader = createInterface({ input: child.stdout });
    reader.on("line", (line) => lines.push(line));
    try {
      const url = (await waitLine(/^dashboard: http:\/\/127\.0\.0\.1:\d+\/dashboard\/$/, 40_000)).slice("dashboard: ".length);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("TsAkt dashboard");
      await waitLine(/^failure: node-[23] killed with SIGKILL/, 20_000);
      await waitLine(/^failover: all 300 accounts answered again \d+ ms after the kill/, 40_000);
      const members = await (await fetch(url.replace("/dashboard/", "/cluster/members"))).json();
      expect(members.members).toHaveLength(2);
      expect(child.exitCode).toBeNull();
      child.kill("SIGINT");
      expect(await exited).toBe(0);
      expect(lines.at(-1)).toBe("done: survivors left the cluster gracefully");
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 120_000);
});
