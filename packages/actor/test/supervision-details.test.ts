// Details of supervision that the directive tests leave open: the default backoff factor, the backoff attempt count
// starting over once old restarts leave the budget window, the order of rules, the warning each failure logs, and
// an escalating child holding its queued mail until its parent has decided, a pending backoff restart keeping the
// process alive, and one-for-all among top-level actors.
import { ActorRestartedSchema, type Clock, type Context } from "@tsakt/actor";
import { capturingLogger, eventually, TestClock } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { Boom, counting, failAndAwaitRestart, startSystem } from "./helpers.js";

class Fatal extends Boom {}

describe("supervision details", () => {
  it("grows the backoff by a factor of 2 when none is given, and starts over once old restarts leave withinMs", async () => {
    const clock = new TestClock(0);
    const system = await startSystem({ clock });
    const restartedAt: number[] = [];
    system.eventStream.subscribe(ActorRestartedSchema, () => restartedAt.push(clock.now()));
    const created = { n: 0 };
    const supervisor = { backoff: { minMs: 100, maxMs: 10_000 }, withinMs: 1000 };
    const pid = await system.spawn("worker", counting(created), { supervisor });
    await failAndAwaitRestart(pid, clock, restartedAt, 100);
    await failAndAwaitRestart(pid, clock, restartedAt, 200);
    await failAndAwaitRestart(pid, clock, restartedAt, 400);
    // The failures at 0, 100 and 300 leave the 1000 ms window by 1700: the next delay is minMs again.
    await clock.advance(1700 - clock.now());
    await failAndAwaitRestart(pid, clock, restartedAt, 100);
    expect(restartedAt).toEqual([100, 300, 700, 1800]);
    expect(created.n).toBe(5);
  });

  it("applies the first rule whose class matches, in the order given", async () => {
    const system = await startSystem();
    let handled = 0;
    // Fatal is a Boom too: the first rule decides.
    const supervisor = {
      rules: [
        [Boom, "resume"],
        [Fatal, "stop"],
      ] as const,
    };
    const pid = await system.spawnFunc(
      "worker",
      (ctx) => {
        if (ctx.message === "fatal") throw new Fatal("fatal");
        if (ctx.message === "count") ctx.respond(handled);
        else if (typeof ctx.message === "number") handled++;
      },
      { supervisor },
    );
    pid.tell(1);
    pid.tell("fatal");
    pid.tell(2);
    expect(await pid.ask("count")).toBe(2);
    expect(pid.isAlive()).toBe(true);
  });

  it("logs each failure as a warning with the actor's address, the error and the directive", async () => {
    const logger = capturingLogger();
    const system = await startSystem({ logger });
    const pid = await system.spawn("worker", counting({ n: 0 }), { supervisor: { directive: "resume" } });
    pid.tell("boom");
    expect(await pid.ask("count")).toBe(0);
    const failure = logger.entries.find((e) => e.msg === "actor failed");
    expect(failure?.level).toBe("warn");
    expect(failure?.fields).toMatchObject({ actor: pid.address, directive: "resume" });
    expect(failure?.fields.err).toBeInstanceOf(Boom);
  });

  it("holds the mail queued behind an escalated failure until the parent has decided, then goes on with it", async () => {
    const logger = capturingLogger();
    const system = await startSystem({ logger });
    // The parent's decision is the "actor failed" warning its own supervisor logs, before it carries the directive out.
    const decided = () => logger.entries.some((e) => e.msg === "actor failed" && e.fields.actor === parent.address);
    const handled: string[] = [];
    const parent = await system.spawn(
      "parent",
      () => ({
        preStart(ctx: Context) {
          ctx.spawnFunc(
            "child",
            (c) => {
              if (c.message === "boom") throw new Boom("boom");
              if (typeof c.message === "number") handled.push(`${c.message} ${decided() ? "after" : "before"} the decision`);
            },
            { supervisor: { directive: "escalate" } },
          );
        },
        receive() {},
      }),
      { supervisor: { directive: "resume" } },
    );
    const child = await system.actorOf("/user/parent/child");
    // Queued together, so without the hold the child would handle 1 and 2 in the failing message's own turn.
    child.tell("boom");
    child.tell(1);
    child.tell(2);
    await eventually("the child to handle both queued messages", () => handled.length === 2);
    expect(handled).toEqual(["1 after the decision", "2 after the decision"]);
    expect(child.isAlive()).toBe(true);
  });

  it("keeps the process alive while a backoff restart is pending, though the clock's timers do not", async () => {
    // The system clock's way: unref'd Node timers. Each one is kept with its delay to look at.
    const timers: { delayMs: number; timer: NodeJS.Timeout }[] = [];
    const clock: Clock = {
      now: () => Date.now(),
      setTimeout(callback, delayMs) {
        const timer = setTimeout(callback, delayMs);
        timer.unref();
        timers.push({ delayMs, timer });
        return timer;
      },
      clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
    };
    const system = await startSystem({ clock });
    const pid = await system.spawn("worker", counting({ n: 0 }), { supervisor: { backoff: { minMs: 60_000, maxMs: 60_000 } } });
    pid.tell("boom");
    await eventually("the backoff timer", () => timers.some((t) => t.delayMs === 60_000));
    const backoff = timers.find((t) => t.delayMs === 60_000)?.timer;
    expect(backoff?.hasRef()).toBe(true);
    expect(timers.filter((t) => t.timer !== backoff).every((t) => !t.timer.hasRef())).toBe(true);
  });

  it("treats top-level actors under one-for-all as nobody's siblings: only the failed one restarts", async () => {
    const system = await startSystem();
    const created = { n: 0 };
    const supervisor = { strategy: "one-for-all" as const };
    const [a, b] = await Promise.all(["a", "b"].map((name) => system.spawn(name, counting(created), { supervisor })));
    b?.tell(1);
    a?.tell("boom");
    a?.tell(1);
    expect(await a?.ask("count")).toBe(1);
    expect(await b?.ask("count")).toBe(1);
    expect(created.n).toBe(3);
  });
});
