import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

describe("the flagship cluster demo", () => {
  it("spreads account grains over 3 processes, keeps their balances as grain state on a shared LMDB store through a SIGKILL, and exits 0", async () => {
    const { stdout } = await run(process.execPath, [resolve(import.meta.dirname, "../dist/main.js")], { timeout: 90_000 });
    expect(stdout).toMatch(/cluster: 3 nodes converged in \d+ ms/);
    expect(stdout).toMatch(/state: account balances are grain state in one LMDB store at \S+, opened by all 3 node processes/);
    expect(stdout).toMatch(/traffic: 1500 deposits to 300 account grains/);
    const activations = /activations: node-1 (\d+), node-2 (\d+), node-3 (\d+)/.exec(stdout);
    expect(activations).not.toBeNull();
    const counts = (activations ?? []).slice(1).map(Number);
    // One activation per account cluster-wide, spread over all three nodes.
    expect(counts.reduce((a, b) => a + b, 0)).toBe(300);
    for (const c of counts) expect(c).toBeGreaterThan(0);
    expect(stdout).toMatch(/failure: node-[23] killed with SIGKILL while hosting \d+ accounts/);
    expect(stdout).toMatch(/failover: all 300 accounts answered again \d+ ms after the kill/);
    expect(stdout).toContain("balances: 300/300 correct");
    expect(stdout).toContain("done: survivors left the cluster gracefully");
    // Read back from the store after the nodes stopped: one record per account, one write per deposit, nothing lost.
    expect(stdout).toMatch(/store: 300 account records, 1500 versioned writes \(one per deposit\), total 15000 in /);
  }, 120_000);
});
