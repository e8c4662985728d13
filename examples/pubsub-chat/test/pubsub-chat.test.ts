import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

describe("the pubsub-chat example", () => {
  it("fans lines out to the room's members, honours a leave and a stop, dead-letters the empty room, and exits 0", async () => {
    const main = resolve(import.meta.dirname, "../dist/main.js");
    const { stdout, stderr } = await run(process.execPath, [main], { timeout: 30_000 });
    expect(stdout.split("\n").map((line) => line.replace(/ {2,}->/, " ->"))).toEqual([
      "alice, bob and carol joined rooms/lobby; members: alice, bob, carol",
      "alice: hello everyone -> heard by alice, bob, carol",
      "bob: hi alice! -> heard by alice, bob, carol",
      "carol left the room (unsubscribe); members: alice, bob",
      "carol: can anyone hear me? -> heard by alice, bob",
      "bob stopped, and the room dropped him by itself; members: alice",
      "alice: bob? -> heard by alice",
      "alice left too; members: nobody",
      '  (dead letter: no subscribers for topic "rooms/lobby")',
      "alice: goodbye, empty room -> heard by nobody",
      "",
    ]);
    expect(stderr).toBe("");
  });
});
