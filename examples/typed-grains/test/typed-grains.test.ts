import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

describe("the typed-grains example", () => {
  it("calls generated account grain and audit actor contracts across two node processes, and exits 0", async () => {
    const { stdout } = await run(process.execPath, [resolve(import.meta.dirname, "../dist/main.js")], { timeout: 90_000 });
    const pids = [...stdout.matchAll(/\(pid (\d+)\)/g)].map((m) => m[1]);
    expect(new Set([...pids, String(process.pid)]).size).toBe(3);
    const spread = /grains answered from node-1: (\d+), node-2: (\d+)/.exec(stdout);
    expect(spread).not.toBeNull();
    const [onFirst, onSecond] = (spread ?? []).slice(1).map(Number) as [number, number];
    // Round-robin placement: grains on both processes, so half the typed calls crossed to the other one.
    expect(onFirst).toBeGreaterThan(0);
    expect(onSecond).toBeGreaterThan(0);
    expect(onFirst + onSecond).toBe(20);
    expect(stdout).toContain("balances: 20/20 correct (300 cents each)");
    // The handler's error on node-1 reaches the typed client on node-2.
    expect(stdout).toMatch(/withdraw across processes: acct-\d+ on node-1 refused: insufficient funds: acct-\d+ holds 300, asked 1000000/);
    expect(stdout).toMatch(/annotate \(a tell, accepted: true\): acct-\d+ notes \["checked"\]/);
    // Every deposit a node-1 grain handled was told to node-1's audit log, which node-2 asked by name.
    expect(stdout).toContain(`asked by name from node-2: ${onFirst * 3} operations on ${onFirst} accounts`);
    expect(stdout).toContain("done: both nodes stopped");
  }, 120_000);
});
