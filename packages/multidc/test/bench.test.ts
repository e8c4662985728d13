import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { skipWithoutBinary } from "@tsakt/test-servers";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const script = fileURLToPath(new URL("../bench/multidc-bench.mjs", import.meta.url));

interface Calls {
  p50: number;
  p99: number;
  tellsPerSecond: number;
}

// The bench harness works (it never asserts timings beyond what the lease rule implies); `npx tsc -b` first.
describe.skipIf(skipWithoutBinary("nats-server"))("multidc bench", () => {
  it("measures calls across and within a datacenter and the death of one to INACTIVE", async () => {
    const { stdout } = await run(process.execPath, [script, "--quick", "--json"], { maxBuffer: 1 << 20 });
    const result = JSON.parse(stdout.trim().split("\n").at(-1) as string) as {
      heartbeatMs: number;
      leaseMs: number;
      same: Calls;
      cross: Calls;
      crossDirect: Calls;
      inactiveAfterKillMs: number;
    };
    for (const calls of [result.same, result.cross, result.crossDirect])
      for (const value of [calls.p50, calls.p99, calls.tellsPerSecond]) expect(Number.isFinite(value) && value > 0).toBe(true);
    // The last heartbeat before the kill was at most one interval earlier, so the lease cannot end sooner than this.
    expect(result.inactiveAfterKillMs).toBeGreaterThanOrEqual(result.leaseMs - result.heartbeatMs);
  }, 120_000);
});
