import { InFlightLimitError, type InvalidOptionError, isTsaktError, type PID, ReentrancyDisabledError } from "@tsakt/actor";
import { eventually } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { startSystem } from "./helpers.js";

/** An actor that holds every "q" unanswered until it is told "release", then answers them all. */
async function holder(system: Awaited<ReturnType<typeof startSystem>>, held: PID[]): Promise<PID> {
  const waiting: Array<PID | undefined> = [];
  return system.spawnFunc("holder", (ctx) => {
    if (ctx.message === "q") {
      waiting.push(ctx.sender);
      if (ctx.sender !== undefined) held.push(ctx.sender);
    } else if (ctx.message === "count") {
      ctx.respond(waiting.length);
    } else if (ctx.message === "release") {
      for (const sender of waiting.splice(0)) sender?.tell("a");
    }
  });
}

describe("reentrancy off and maxInFlight", () => {
  it('refuses ctx.request with ReentrancyDisabledError when reentrancy is "off", sending nothing', async () => {
    const system = await startSystem();
    const held: PID[] = [];
    const target = await holder(system, held);
    const errors: unknown[] = [];
    const pid = await system.spawnFunc(
      "no-reentrancy",
      (ctx) => {
        if (ctx.message !== "go") return;
        try {
          ctx.request(target, "q");
        } catch (error) {
          errors.push(error);
          ctx.respond("refused");
        }
      },
      { reentrancy: "off" },
    );
    expect(await pid.ask("go")).toBe("refused");
    expect(errors[0]).toBeInstanceOf(ReentrancyDisabledError);
    expect(isTsaktError(errors[0], "ReentrancyDisabled")).toBe(true);
    expect((errors[0] as ReentrancyDisabledError).target).toBe(pid.address);
    // The refused request never reached the target.
    expect(await target.ask("count")).toBe(0);
    expect(held).toEqual([]);
  });

  it("holds maxInFlight: the request past the bound throws InFlightLimitError, and room returns as replies arrive", async () => {
    const system = await startSystem();
    const held: PID[] = [];
    const target = await holder(system, held);
    const outcomes: string[] = [];
    const pid = await system.spawnFunc(
      "bounded",
      (ctx) => {
        if (ctx.message !== "go") return;
        try {
          ctx.request(target, "q").then(() => outcomes.push("reply"));
          outcomes.push("sent");
        } catch (error) {
          outcomes.push(error instanceof InFlightLimitError ? `limit ${error.maxInFlight}` : "other");
        }
      },
      { maxInFlight: 3 },
    );
    for (let i = 0; i < 5; i++) pid.tell("go");
    await eventually("5 requests attempted", () => outcomes.length === 5);
    expect(outcomes).toEqual(["sent", "sent", "sent", "limit 3", "limit 3"]);
    await eventually("3 requests held", () => held.length === 3);
    target.tell("release");
    await eventually("3 replies", () => outcomes.filter((o) => o === "reply").length === 3);
    pid.tell("go");
    await eventually("a new request once replies freed room", () => outcomes.at(-1) === "sent");
    expect(held.length).toBe(4);
  });

  it("rejects bad reentrancy and maxInFlight options naming the field", async () => {
    const system = await startSystem();
    const bad = (options: object) =>
      system.spawnFunc("x", () => {}, options as never).catch((e: unknown) => (e as InvalidOptionError).field);
    expect(await bad({ reentrancy: "sometimes" })).toBe("reentrancy");
    expect(await bad({ maxInFlight: 0 })).toBe("maxInFlight");
    expect(await bad({ maxInFlight: 1.5 })).toBe("maxInFlight");
  });
});
