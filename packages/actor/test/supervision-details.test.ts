// Details of supervision that the directive tests leave open: the default backoff factor, the backoff attempt count
// starting over once old restarts leave the budget window, the order of rules, and the warning each failure logs.
import { type Actor, ActorRestartedSchema, type LoggerLike, type ReceiveContext } from "@tsakt/actor";
import { eventually, TestClock } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { startSystem } from "./helpers.js";

class Boom extends Error {}
class Fatal extends Boom {}

/** Throws Boom on "boom", Fatal on "fatal", answers "count" with the numbers it handled. */
function worker(created: { n: number }): () => Actor {
  return () => {
    created.n++;
    let handled = 0;
    return {
      receive(ctx: ReceiveContext) {
        if (ctx.message === "boom") throw new Boom("boom");
        if (ctx.message === "fatal") throw new Fatal("fatal");
        if (ctx.message === "count") ctx.respond(handled);
        else if (typeof ctx.message === "number") handled++;
      },
    };
  };
}

describe("supervision details", () => {
  it("grows the backoff by a factor of 2 when none is given, and starts over once old restarts leave withinMs", async () => {
    const clock = new TestClock(0);
    const system = await startSystem({ clock });
    const restartedAt: number[] = [];
    system.eventStream.subscribe(ActorRestartedSchema, () => restartedAt.push(clock.now()));
    const created = { n: 0 };
    const supervisor = { backoff: { minMs: 100, maxMs: 10_000 }, withinMs: 1000 };
    const pid = await system.spawn("worker", worker(created), { supervisor });
    const failAndWait = async (delay: number): Promise<void> => {
      const before = restartedAt.length;
      pid.tell("boom");
      await eventually("the backoff timer", () => clock.pending === 1);
      await clock.advance(delay - 1);
      expect(restartedAt.length).toBe(before);
      await clock.advance(1);
      await eventually("the restart", () => restartedAt.length === before + 1);
    };
    await failAndWait(100);
    await failAndWait(200);
    await failAndWait(400);
    // The three restarts (at 100, 300 and 700) leave the 1000 ms window by 1700: the next delay is minMs again.
    await clock.advance(1700 - clock.now());
    await failAndWait(100);
    expect(restartedAt).toEqual([100, 300, 700, 1800]);
    expect(created.n).toBe(5);
  });

  it("applies the first rule whose class matches, in the order given", async () => {
    const system = await startSystem();
    const created = { n: 0 };
    // Fatal is a Boom too: the first rule decides.
    const pid = await system.spawn("worker", worker(created), {
      supervisor: {
        rules: [
          [Boom, "resume"],
          [Fatal, "stop"],
        ],
      },
    });
    pid.tell(1);
    pid.tell("fatal");
    pid.tell(2);
    expect(await pid.ask("count")).toBe(2);
    expect(pid.isAlive()).toBe(true);
    expect(created.n).toBe(1);
  });

  it("logs each failure as a warning with the actor's address, the error and the directive", async () => {
    const warnings: Array<{ fields: Record<string, unknown>; message: string | undefined }> = [];
    const none = (): void => undefined;
    const logger: LoggerLike = {
      trace: none,
      debug: none,
      info: none,
      warn: (fields: unknown, message?: string) => void warnings.push({ fields: fields as Record<string, unknown>, message }),
      error: none,
    };
    const system = await startSystem({ logger });
    const created = { n: 0 };
    const pid = await system.spawn("worker", worker(created), { supervisor: { directive: "resume" } });
    pid.tell("boom");
    expect(await pid.ask("count")).toBe(0);
    const failure = warnings.find((w) => w.message === "actor failed");
    expect(failure?.fields).toMatchObject({ actor: pid.address, directive: "resume" });
    expect(failure?.fields.err).toBeInstanceOf(Boom);
  });
});
