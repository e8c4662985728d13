import { existsSync } from "node:fs";
import { eventually } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { skipWithoutBinary, spawnTsChild } from "../src/index.js";

const fixture = new URL("./fixtures/abandon-server.ts", import.meta.url).pathname;

describe.skipIf(skipWithoutBinary("nats-server"))("cleanup when a test process dies without stop()", () => {
  it("kills the abandoned server and removes its data dir after an uncaught error", async () => {
    const child = spawnTsChild(fixture, ["nats", "crash"]);
    const { pid, dataDir } = parseReport(await child.waitForLine(/^server \d+ /));
    expect(await child.exited()).not.toBe(0);
    expect(child.output()).toMatch(/simulated crash/);
    await eventually("the server gone and its data removed", () => !processAlive(pid) && !existsSync(dataDir));
  });

  it("kills the abandoned server and removes its data dir when the process is terminated by a signal", async () => {
    const child = spawnTsChild(fixture, ["nats", "wait"]);
    const { pid, dataDir } = parseReport(await child.waitForLine(/^server \d+ /));
    expect(processAlive(pid)).toBe(true);
    await child.kill("SIGTERM");
    await eventually("the server gone and its data removed", () => !processAlive(pid) && !existsSync(dataDir));
  });
});

function parseReport(line: string): { pid: number; dataDir: string } {
  const [, pid, dataDir] = line.split(" ");
  return { pid: Number(pid), dataDir: dataDir ?? "" };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
