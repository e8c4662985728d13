import type { Grain, GrainKindDefinition } from "@tsakt/grains";
import { grainOf } from "@tsakt/grains";
import { eventually, staysTrue } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { deferred, startGrains } from "./helpers.js";

/** A grain where "slow" waits for `gate` and "fast" answers at once; every step is logged. */
function gatedKind(log: string[], gate: Promise<void>, reentrant: boolean): GrainKindDefinition {
  return {
    reentrant,
    factory: (): Grain => ({
      onReceive: async (ctx) => {
        if (ctx.message === "slow") {
          log.push("slow started");
          await gate;
          log.push("slow finished");
          ctx.respond("slow done");
        } else {
          log.push("fast");
          ctx.respond("fast done");
        }
      },
    }),
  };
}

describe("reentrancy", () => {
  it("handles one message at a time in a non-reentrant grain, even while onReceive awaits", async () => {
    const log: string[] = [];
    const gate = deferred();
    const system = await startGrains({ kinds: { serial: gatedKind(log, gate.promise, false) } });
    const grain = grainOf(system, "serial", "s");

    const slow = grain.ask("slow");
    const fast = grain.ask("fast");
    await eventually("the slow message to start", () => log.length > 0);
    await staysTrue("the fast message to wait for the slow one", () => expect(log).toEqual(["slow started"]), { timeoutMs: 50 });

    gate.resolve();
    expect(await Promise.all([slow, fast])).toEqual(["slow done", "fast done"]);
    expect(log).toEqual(["slow started", "slow finished", "fast"]);
  });

  it("interleaves messages while an async onReceive awaits in a reentrant grain", async () => {
    const log: string[] = [];
    const gate = deferred();
    const system = await startGrains({ kinds: { interleaved: gatedKind(log, gate.promise, true) } });
    const grain = grainOf(system, "interleaved", "r");

    const slow = grain.ask("slow");
    expect(await grain.ask("fast")).toBe("fast done");
    expect(log).toEqual(["slow started", "fast"]);

    gate.resolve();
    expect(await slow).toBe("slow done");
    expect(log).toEqual(["slow started", "fast", "slow finished"]);
  });

  it("answers each interleaved message with its own context, and rejects only the one that failed", async () => {
    const system = await startGrains({
      kinds: {
        echo: {
          reentrant: true,
          factory: (): Grain => ({
            onReceive: async (ctx) => {
              const n = ctx.message as number;
              await new Promise((resolve) => setTimeout(resolve, (10 - n) * 2));
              if (n === 3) throw new Error("three failed");
              ctx.respond(n * 10);
            },
          }),
        },
      },
    });
    const grain = grainOf(system, "echo", "e");
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, n) => grain.ask(n)));
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as Error).message))).toEqual([
      0,
      10,
      20,
      "three failed",
      40,
      50,
    ]);
  });

  it("lets a reentrant grain's running messages finish before onDeactivate when the system stops", async () => {
    const log: string[] = [];
    const gate = deferred();
    const system = await startGrains({
      kinds: {
        busy: {
          reentrant: true,
          factory: (): Grain => ({
            onReceive: async (ctx) => {
              log.push(`started ${String(ctx.message)}`);
              await gate.promise;
              log.push(`finished ${String(ctx.message)}`);
            },
            onDeactivate: () => void log.push("deactivated"),
          }),
        },
      },
    });
    const grain = grainOf(system, "busy", "b");
    grain.tell("one");
    grain.tell("two");
    await eventually("both messages to start", () => log.length === 2);
    const stopped = system.stop();
    await staysTrue("stop to wait for the running messages", () => expect(log).toEqual(["started one", "started two"]), { timeoutMs: 50 });
    gate.resolve();
    await stopped;
    expect(log).toEqual(["started one", "started two", "finished one", "finished two", "deactivated"]);
  });
});
