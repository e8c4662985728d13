import { schedulerOf } from "@tsakt/actor";
import type { Grain, GrainKindDefinition, GrainTimer } from "@tsakt/grains";
import { grainOf } from "@tsakt/grains";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { flush, startGrains } from "./helpers.js";

beforeEach(() => {
  // setImmediate stays real: the dispatcher yields through it, and actors must run while time is faked.
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
});

afterEach(() => {
  vi.useRealTimers();
});

async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  await flush();
}

/**
 * A grain that on activation starts a "tick" timer every 100 ms and, when told "remind", a one-off "reminder" after
 * 250 ms; it logs what its timers deliver, and "stop-ticks" cancels the tick timer.
 */
function timedKind(log: string[], options: Omit<GrainKindDefinition, "factory"> = {}): GrainKindDefinition {
  return {
    ...options,
    factory: (): Grain => {
      let ticks: GrainTimer | undefined;
      return {
        onActivate: (ctx) => {
          log.push("activate");
          ticks = ctx.timers.every(100, "tick");
        },
        onReceive: (ctx) => {
          if (ctx.message === "remind") ctx.timers.once(250, "reminder");
          else if (ctx.message === "stop-ticks") ticks?.cancel();
          else if (ctx.message === "tick" || ctx.message === "reminder")
            log.push(`${ctx.message as string} (sender ${String(ctx.sender)})`);
          if (ctx.sender !== undefined) ctx.respond("ok");
        },
        // Timers are cleared before onDeactivate runs.
        onDeactivate: (ctx) => void log.push(schedulerOf(ctx.system).list().length === 0 ? "deactivate" : "deactivate with timers left"),
      };
    },
  };
}

describe("grain timers", () => {
  it("delivers a once timer's message to onReceive after its delay, without a sender", async () => {
    const log: string[] = [];
    const system = await startGrains({ kinds: { timed: timedKind(log, { longLived: true }) } });
    const grain = grainOf(system, "timed", "t");
    await grain.ask("stop-ticks");
    await grain.ask("remind");

    await advance(200);
    expect(log).toEqual(["activate"]);
    await advance(100);
    expect(log).toEqual(["activate", "reminder (sender undefined)"]);
    await advance(1000);
    expect(log).toEqual(["activate", "reminder (sender undefined)"]);
  });

  it("delivers an every timer's message repeatedly until it is cancelled", async () => {
    const log: string[] = [];
    const system = await startGrains({ kinds: { timed: timedKind(log, { longLived: true }) } });
    const grain = grainOf(system, "timed", "t");
    await grain.ask("hello");

    await advance(350);
    expect(log.filter((e) => e.startsWith("tick"))).toHaveLength(3);
    await grain.ask("stop-ticks");
    await advance(1000);
    expect(log.filter((e) => e.startsWith("tick"))).toHaveLength(3);
  });

  it("clears a grain's timers when it deactivates, and its timers do not keep it active", async () => {
    const log: string[] = [];
    const system = await startGrains({ kinds: { timed: timedKind(log, { idleMs: 1000 }) } });
    const grain = grainOf(system, "timed", "t");
    await grain.ask("remind");
    expect(schedulerOf(system).list()).toHaveLength(2);

    // Ticks every 100 ms, yet nobody calls the grain: it deactivates after its idle time all the same.
    await advance(1500);
    expect(log.at(-1)).toBe("deactivate");
    const ticksBefore = log.filter((e) => e.startsWith("tick")).length;
    expect(ticksBefore).toBeGreaterThanOrEqual(9);
    expect(schedulerOf(system).list()).toEqual([]);

    await advance(2000);
    expect(log.filter((e) => e.startsWith("tick"))).toHaveLength(ticksBefore);
    expect(log.filter((e) => e === "activate")).toHaveLength(1);
  });

  it("clears every grain's timers when the system stops", async () => {
    const log: string[] = [];
    const system = await startGrains({ kinds: { timed: timedKind(log, { longLived: true }) } });
    await Promise.all(["a", "b"].map((id) => grainOf(system, "timed", id).ask("remind")));
    expect(schedulerOf(system).list()).toHaveLength(4);
    await system.stop();
    expect(schedulerOf(system).list()).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("runs a timer that fires during an async onActivate only once activation is done", async () => {
    const log: string[] = [];
    const system = await startGrains({
      kinds: {
        early: {
          factory: (): Grain => ({
            onActivate: async (ctx) => {
              ctx.timers.once(0, "early tick");
              await new Promise((resolve) => setTimeout(resolve, 50));
              log.push("activated");
            },
            onReceive: (ctx) => void log.push(String(ctx.message)),
          }),
        },
      },
    });
    grainOf(system, "early", "e").tell("first call");
    await advance(10);
    expect(log).toEqual([]);
    await advance(100);
    expect(log).toEqual(["activated", "early tick", "first call"]);
  });

  it("refuses a timer without a message, naming the problem", async () => {
    const errors: unknown[] = [];
    const system = await startGrains({
      kinds: {
        careless: {
          factory: (): Grain => ({
            onReceive: (ctx) => {
              try {
                ctx.timers.once(10, undefined);
              } catch (error) {
                errors.push(error);
              }
              try {
                ctx.timers.every(0, "x");
              } catch (error) {
                errors.push(error);
              }
              ctx.respond("done");
            },
          }),
        },
      },
    });
    await grainOf(system, "careless", "c").ask("go");
    expect(errors.map((e) => (e as { code: string }).code)).toEqual(["InvalidMessage", "InvalidOption"]);
    expect((errors[1] as { field: string }).field).toBe("intervalMs");
  });
});
