import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { skipWithoutBinary } from "@tsakt/test-servers";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
// The program starts its own nats-server unless NATS_URL names one; under CI=true a missing binary fails the run.
const noServer = (process.env.NATS_URL ?? "") === "" && skipWithoutBinary("nats-server");

describe.skipIf(noServer)("the discovery-nats example", () => {
  it("registers two nodes in NATS, each discovers the other and asks its greeter by address, and exits 0", async () => {
    const main = resolve(import.meta.dirname, "../dist/main.js");
    const { stdout, stderr } = await run(process.execPath, [main], { timeout: 30_000 });
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^(started nats-server at|using NATS at) nats:\/\/\S+$/);
    const alpha = /^alpha listens at tsakt:\/\/alpha@127\.0\.0\.1:(\d+) and registered itself in NATS$/.exec(lines[1] ?? "")?.[1];
    const beta = /^beta listens at tsakt:\/\/beta@127\.0\.0\.1:(\d+) and registered itself in NATS$/.exec(lines[2] ?? "")?.[1];
    expect(alpha).toBeDefined();
    expect(beta).toBeDefined();
    expect(lines.slice(3)).toEqual([
      `alpha discovered beta at 127.0.0.1:${beta}`,
      `alpha asked tsakt://beta@127.0.0.1:${beta}/user/greeter: "beta greets alpha"`,
      `beta discovered alpha at 127.0.0.1:${alpha}`,
      `beta asked tsakt://alpha@127.0.0.1:${alpha}/user/greeter: "alpha greets beta"`,
      "done: both nodes left NATS and stopped",
    ]);
    expect(stderr).toBe("");
  });
});
