import {
  type Actor,
  ActorRestartedSchema,
  ActorSuspendedSchema,
  type Context,
  type ReceiveContext,
  type SupervisorOptions,
} from "@tsakt/actor";
import { eventually, staysTrue, TestClock } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { sleep, startSystem } from "./helpers.js";

class Boom extends Error {}
class Fatal extends Error {}

/** Counts its own messages; throws on "boom" or on every `failEvery`-th number. */
function faulty(instances: { created: number }, failEvery = 0): () => Actor {
  return () => {
    instances.created++;
    let handled = 0;
    return {
      receive(ctx: ReceiveContext) {
        const m = ctx.message;
        if (m === "boom") throw new Boom("boom");
        if (m === "fatal") throw new Fatal("fatal");
        if (m === "count") return ctx.respond(handled);
        if (typeof m === "number") {
          if (failEvery > 0 && m % failEvery === 0) throw new Boom(`failed on ${m}`);
          handled++;
          ctx.respond(m);
        }
      },
    };
  };
}

describe("supervision", () => {
  it("restarts by default with a fresh instance from the factory, keeping the queued mail", async () => {
    const system = await startSystem();
    const instances = { created: 0 };
    const pid = await system.spawn("worker", faulty(instances));
    pid.tell(1);
    pid.tell(2);
    pid.tell("boom");
    pid.tell(3);
    expect(await pid.ask("count")).toBe(1);
    expect(instances.created).toBe(2);
  });

  it("resumes with the same instance and state", async () => {
    const system = await startSystem();
    const instances = { created: 0 };
    const pid = await system.spawn("worker", faulty(instances), { supervisor: { directive: "resume" } });
    pid.tell(1);
    pid.tell("boom");
    pid.tell(2);
    expect(await pid.ask("count")).toBe(2);
    expect(instances.created).toBe(1);
  });

  it("stops on the stop directive and maps error classes to directives with a default", async () => {
    const system = await startSystem();
    const instances = { created: 0 };
    const supervisor: SupervisorOptions = { directive: "resume", rules: [[Fatal, "stop"]] };
    const pid = await system.spawn("worker", faulty(instances), { supervisor });
    pid.tell("boom");
    expect(await pid.ask("count")).toBe(0);
    expect(pid.isAlive()).toBe(true);
    pid.tell("fatal");
    await eventually("the actor to stop", () => !pid.isAlive());
    expect(instances.created).toBe(1);
  });

  it("keeps a child that throws on every third message serving the others under restart", async () => {
    const system = await startSystem();
    const instances = { created: 0 };
    const child = await system.spawn("child", faulty(instances, 3));
    const replies: number[] = [];
    for (let i = 1; i <= 30; i++) {
      if (i % 3 === 0) child.tell(i);
      else replies.push(await child.ask<number>(i));
    }
    // The fresh instance after the tenth failure has handled nothing yet.
    expect(await child.ask("count")).toBe(0);
    expect(replies).toEqual(Array.from({ length: 30 }, (_, i) => i + 1).filter((i) => i % 3 !== 0));
    expect(instances.created).toBe(11);
  });

  it("restarts all siblings under one-for-all", async () => {
    const system = await startSystem();
    const created: Record<string, number> = { a: 0, b: 0, c: 0 };
    const restarts: string[] = [];
    system.eventStream.subscribe(ActorRestartedSchema, (e) => restarts.push(e.address.split("/").at(-1) ?? ""));
    const supervisor: SupervisorOptions = { strategy: "one-for-all" };
    const parent = await system.spawn("parent", () => ({
      preStart(ctx: Context) {
        for (const name of ["a", "b", "c"])
          ctx.spawn(
            name,
            () => {
              created[name] = (created[name] ?? 0) + 1;
              return {
                receive: (c: ReceiveContext) =>
                  void (
                    c.message === "boom" &&
                    (() => {
                      throw new Boom();
                    })()
                  ),
              };
            },
            { supervisor },
          );
      },
      receive() {},
    }));
    const b = await system.actorOf("/user/parent/b");
    b.tell("boom");
    await eventually("three restarts", () => restarts.length === 3);
    expect(restarts.sort()).toEqual(["a", "b", "c"]);
    expect(created).toEqual({ a: 2, b: 2, c: 2 });
    expect(parent.isAlive()).toBe(true);
  });

  it("restarts only the failing child under one-for-one", async () => {
    const system = await startSystem();
    const created: Record<string, number> = { a: 0, b: 0 };
    await system.spawn("parent", () => ({
      preStart(ctx: Context) {
        for (const name of ["a", "b"])
          ctx.spawn(name, () => {
            created[name] = (created[name] ?? 0) + 1;
            return {
              receive: (c: ReceiveContext) =>
                void (
                  c.message === "boom" &&
                  (() => {
                    throw new Boom();
                  })()
                ),
            };
          });
      },
      receive() {},
    }));
    (await system.actorOf("/user/parent/a")).tell("boom");
    await eventually("a to restart", () => created.a === 2);
    await staysTrue("b never restarted", () => created.b === 1, { timeoutMs: 50 });
  });

  it("escalates to the parent, whose own supervisor decides (here: restart, which restarts the child too)", async () => {
    const system = await startSystem();
    let parentsCreated = 0;
    let childrenCreated = 0;
    const parent = await system.spawn("parent", () => {
      parentsCreated++;
      return {
        preStart(ctx: Context) {
          ctx.spawn(
            "child",
            () => {
              childrenCreated++;
              return {
                receive: (c: ReceiveContext) =>
                  void (
                    c.message === "boom" &&
                    (() => {
                      throw new Boom();
                    })()
                  ),
              };
            },
            { supervisor: { directive: "escalate" } },
          );
        },
        receive(ctx: ReceiveContext) {
          if (ctx.message === "ping") ctx.respond("pong");
        },
      };
    });
    (await system.actorOf("/user/parent/child")).tell("boom");
    await eventually("parent and child to restart", () => parentsCreated === 2 && childrenCreated === 2);
    expect(await parent.ask("ping")).toBe("pong");
    expect((await system.actorOf("/user/parent/child")).isAlive()).toBe(true);
  });

  it("stops after maxRestarts within the window", async () => {
    const system = await startSystem();
    const instances = { created: 0 };
    const pid = await system.spawn("worker", faulty(instances), { supervisor: { maxRestarts: 3, withinMs: 10_000 } });
    for (let i = 0; i < 4; i++) pid.tell("boom");
    await eventually("the actor to stop", () => !pid.isAlive());
    expect(instances.created).toBe(4);
  });

  it("suspends when the budget is spent and processes the queued mail after reinstate", async () => {
    const system = await startSystem();
    const suspended: string[] = [];
    system.eventStream.subscribe(ActorSuspendedSchema, (e) => suspended.push(e.reason));
    const instances = { created: 0 };
    const pid = await system.spawn("worker", faulty(instances), {
      supervisor: { maxRestarts: 1, withinMs: 10_000, onExhausted: "suspend" },
    });
    pid.tell("boom");
    pid.tell("boom");
    const answer = pid.ask("count", { timeoutMs: 5000 });
    await eventually("the actor to be suspended", () => system.isSuspended(pid));
    expect(suspended).toEqual(["boom"]);
    expect(pid.isAlive()).toBe(true);
    expect(system.reinstate(pid)).toBe(true);
    expect(await answer).toBe(0);
    expect(system.reinstate(pid)).toBe(false);
  });

  it("delays restarts with exponential backoff", async () => {
    const clock = new TestClock(0);
    const system = await startSystem({ clock });
    const restartedAt: number[] = [];
    system.eventStream.subscribe(ActorRestartedSchema, () => restartedAt.push(clock.now()));
    const instances = { created: 0 };
    const pid = await system.spawn("worker", faulty(instances), {
      supervisor: { maxRestarts: 10, backoff: { minMs: 30, maxMs: 1000, factor: 2 } },
    });
    for (const delayMs of [30, 60]) {
      const before = restartedAt.length;
      pid.tell("boom");
      await eventually("the backoff timer", () => clock.pending === 1);
      await clock.advance(delayMs);
      await eventually("the restart", () => restartedAt.length === before + 1);
    }
    // The second restart waits twice as long as the first.
    expect(restartedAt).toEqual([30, 90]);
    expect(await pid.ask("count")).toBe(0);
  });

  it("handles a failure in an async handler like a sync one", async () => {
    const system = await startSystem();
    let created = 0;
    const pid = await system.spawn("async", () => {
      created++;
      return {
        async receive(ctx: ReceiveContext) {
          await sleep(1);
          if (ctx.message === "boom") throw new Boom();
          if (ctx.message === "ping") ctx.respond(created);
        },
      };
    });
    pid.tell("boom");
    expect(await pid.ask("ping")).toBe(2);
  });

  it("leaves no growth in live actors or listeners after 10,000 induced failures", async () => {
    const system = await startSystem();
    const instances = { created: 0 };
    const watcher = await system.spawn("watcher", () => ({
      preStart(ctx: Context) {
        ctx.watch(ctx.child("x") ?? ctx.spawn("x", () => ({ receive() {} })));
      },
      receive() {},
    }));
    const pid = await system.spawn("worker", faulty(instances, 1));
    const actorsBefore = system.actorCount;
    const listenersBefore = system.eventStream.subscriberCount;
    for (let i = 1; i <= 10_000; i++) pid.tell(i);
    expect(await pid.ask("count", { timeoutMs: 20_000 })).toBe(0);
    expect(instances.created).toBe(10_001);
    expect(system.actorCount).toBe(actorsBefore);
    expect(system.eventStream.subscriberCount).toBe(listenersBefore);
    expect(watcher.isAlive()).toBe(true);
    const mem = process.memoryUsage().heapUsed;
    for (let i = 1; i <= 10_000; i++) pid.tell(i);
    expect(await pid.ask("count", { timeoutMs: 20_000 })).toBe(0);
    expect(system.actorCount).toBe(actorsBefore);
    // A second 10,000 failures must not retain memory per failure (allow 8 MB of noise).
    expect(process.memoryUsage().heapUsed - mem).toBeLessThan(8 * 1024 * 1024);
  });
});
