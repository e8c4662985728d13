import { type PID, SystemNotStartedError, schedulerOf } from "@tsakt/actor";
import type { Grain, GrainRef } from "@tsakt/grains";
import { grainOf } from "@tsakt/grains";
import { eventually, probe } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { rejection, startGrains } from "./helpers.js";

const pinger = { factory: (): Grain => ({ onReceive: (ctx) => (ctx.message === "ping" ? ctx.respond("pong") : undefined) }) };

describe("grain handles", () => {
  it("answers an actor that tells it, with the grain's handle as the reply's sender", async () => {
    const system = await startGrains({ kinds: { pinger } });
    const grain = grainOf(system, "pinger", "p1");
    const p = await probe(system);

    p.send(grain, "ping");
    await p.expectMessage("pong");
    expect((p.lastSender as GrainRef).identity).toEqual({ kind: "pinger", id: "p1" });
    expect(p.lastSender?.address).toBe(grain.address);
  });

  it("gives every handle of one identity the same address, under /system/grains", async () => {
    const system = await startGrains({ kinds: { pinger } });
    const a = grainOf(system, "pinger", "x");
    await a.ask("ping");
    const b = grainOf(system, "pinger", "x");
    expect(b.address).toBe(a.address);
    expect(a.address).toBe("tsakt://grains-test/system/grains/pinger@x");
    expect(a.key).toBe("pinger/x");
    expect(a.isAlive()).toBe(true);
  });

  it("lets grains call each other and receive replies from actors through their handles", async () => {
    const system = await startGrains({
      kinds: {
        pinger,
        caller: {
          factory: (): Grain => {
            let actorReply: unknown;
            return {
              onReceive: async (ctx) => {
                if (ctx.message === "call") {
                  const pong = await ctx.ask(grainOf(ctx.system, "pinger", "target"), "ping");
                  ctx.respond(`${ctx.self.key} got ${String(pong)}`);
                } else if (ctx.message === "poke actor") {
                  ctx.tell(await ctx.system.actorOf("replier"), "poke");
                } else if (ctx.message === "what did the actor say") {
                  ctx.respond(actorReply);
                } else {
                  actorReply = ctx.message;
                }
              },
            };
          },
        },
      },
    });
    await system.spawnFunc("replier", (ctx) => {
      if (ctx.message === "poke") ctx.respond(`reply to ${(ctx.sender as PID).name}`);
    });
    const caller = grainOf(system, "caller", "c");
    expect(await caller.ask("call")).toBe("caller/c got pong");
    caller.tell("poke actor");
    let answer: unknown;
    for (let i = 0; i < 100 && answer === undefined; i++) answer = await caller.ask("what did the actor say");
    expect(answer).toBe("reply to caller@c");
  });

  it("works as a scheduler target, activating the grain when the message is due", async () => {
    const got: unknown[] = [];
    const system = await startGrains({
      kinds: { recorder: { factory: (): Grain => ({ onReceive: (ctx) => void got.push(ctx.message) }) } },
    });
    schedulerOf(system).once(10, grainOf(system, "recorder", "r"), "wake up");
    await eventually("the scheduled message", () => got.length === 1);
    expect(got).toEqual(["wake up"]);
  });

  it("fails calls once the system has stopped", async () => {
    const system = await startGrains({ kinds: { pinger } });
    const grain = grainOf(system, "pinger", "p");
    await expect(grain.send("ping")).resolves.toBeUndefined();
    await system.stop();
    expect(grain.isAlive()).toBe(false);
    expect(grain.tell("ping")).toBe(false);
    await expect(grain.send("ping")).rejects.toThrow(SystemNotStartedError);
    await rejection(grain.ask("ping"), "SystemNotStarted");
  });
});
