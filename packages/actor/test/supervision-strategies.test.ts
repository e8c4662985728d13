import { type Actor, ActorRestartedSchema, type Clock, type Context, type ReceiveContext, type TimerHandle } from "@tsakt/actor";
import { describe, expect, it } from "vitest";
import { eventually, startSystem } from "./helpers.js";

class Boom extends Error {}

/** A clock that moves only when told to, so backoff and budget windows are exact and nothing waits. */
class ManualClock implements Clock {
  private time = 0;
  private readonly timers = new Map<TimerHandle, { at: number; callback: () => void }>();

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const handle = {};
    this.timers.set(handle, { at: this.time + delayMs, callback });
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle);
  }

  /** Timers not yet fired or cleared. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing due timers in order. */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      let next: [TimerHandle, { at: number; callback: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= target && (next === undefined || entry[1].at < next[1].at)) next = entry;
      if (next === undefined) break;
      this.timers.delete(next[0]);
      this.time = next[1].at;
      next[1].callback();
    }
    this.time = target;
  }
}

/** An actor that counts numbers it handled and throws on "boom". */
function counting(created: { n: number }): () => Actor {
  return () => {
    created.n++;
    let handled = 0;
    return {
      receive(ctx: ReceiveContext) {
        if (ctx.message === "boom") throw new Boom("boom");
        if (ctx.message === "count") ctx.respond(handled);
        else if (typeof ctx.message === "number") handled++;
      },
    };
  };
}

describe("supervision strategies and directives", () => {
  it("stops a top-level actor that escalates, since nobody above it decides", async () => {
    const system = await startSystem();
    const created = { n: 0 };
    const pid = await system.spawn("top", counting(created), { supervisor: { directive: "escalate" } });
    pid.tell("boom");
    await eventually(() => !pid.isAlive(), 5000, "the escalating top-level actor to stop");
    expect(created.n).toBe(1);
  });

  it("lets an escalating child go on with its instance and state when the parent's supervisor resumes", async () => {
    const system = await startSystem();
    const child = { n: 0 };
    let parents = 0;
    await system.spawn(
      "parent",
      () => {
        parents++;
        return {
          preStart(ctx: Context) {
            ctx.spawn("child", counting(child), { supervisor: { directive: "escalate" } });
          },
          receive() {},
        };
      },
      { supervisor: { directive: "resume" } },
    );
    const pid = await system.actorOf("/user/parent/child");
    pid.tell(1);
    pid.tell("boom");
    pid.tell(2);
    expect(await pid.ask("count")).toBe(2);
    expect(child.n).toBe(1);
    expect(parents).toBe(1);
  });

  it("stops the failed child's siblings too under one-for-all with the stop directive", async () => {
    const system = await startSystem();
    const created = { n: 0 };
    const parent = await system.spawn("parent", () => ({
      preStart(ctx: Context) {
        for (const name of ["a", "b", "c"])
          ctx.spawn(name, counting(created), { supervisor: { strategy: "one-for-all", directive: "stop" } });
      },
      receive() {},
    }));
    const children = await Promise.all(["a", "b", "c"].map((name) => system.actorOf(`/user/parent/${name}`)));
    children[1]?.tell("boom");
    await eventually(() => children.every((c) => !c.isAlive()), 5000, "all three children to stop");
    expect(parent.isAlive()).toBe(true);
    expect(created.n).toBe(3);
  });

  it("restarts a one-for-all sibling that is in an async turn only once that turn has finished", async () => {
    const system = await startSystem();
    const created: Record<string, number> = { a: 0, b: 0 };
    let entered = false;
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    const supervisor = { strategy: "one-for-all" } as const;
    await system.spawn("parent", () => ({
      preStart(ctx: Context) {
        ctx.spawn(
          "a",
          () => {
            created.a = (created.a ?? 0) + 1;
            return {
              async receive(c: ReceiveContext) {
                if (c.message !== "wait") return;
                entered = true;
                await gate;
              },
            };
          },
          { supervisor },
        );
        ctx.spawn("b", counting({ n: 0 }), { supervisor });
        created.b = 1;
      },
      receive() {},
    }));
    const restarted: string[] = [];
    system.eventStream.subscribe(ActorRestartedSchema, (e) => restarted.push(e.address.split("/").at(-1) ?? ""));
    (await system.actorOf("/user/parent/a")).tell("wait");
    await eventually(() => entered, 5000, "a to be inside its async turn");
    (await system.actorOf("/user/parent/b")).tell("boom");
    await eventually(() => restarted.includes("b"), 5000, "b to restart");
    expect(restarted).toEqual(["b"]);
    expect(created.a).toBe(1);
    open();
    await eventually(() => created.a === 2, 5000, "a to restart after its turn");
    expect(restarted.sort()).toEqual(["a", "b"]);
  });

  it("waits minMs before the first restart, factor times longer before each next one, never more than maxMs", async () => {
    const clock = new ManualClock();
    const system = await startSystem({ clock });
    const restartedAt: number[] = [];
    system.eventStream.subscribe(ActorRestartedSchema, () => restartedAt.push(clock.now()));
    const created = { n: 0 };
    const pid = await system.spawn("worker", counting(created), { supervisor: { backoff: { minMs: 100, maxMs: 250, factor: 2 } } });
    for (const delay of [100, 200, 250]) {
      const before = restartedAt.length;
      pid.tell("boom");
      await eventually(() => clock.pending === 1, 5000, "the backoff timer");
      clock.advance(delay - 1);
      expect(restartedAt.length).toBe(before);
      clock.advance(1);
      await eventually(() => restartedAt.length === before + 1, 5000, "the restart");
    }
    expect(restartedAt).toEqual([100, 300, 550]);
    expect(created.n).toBe(4);
  });

  it("cancels a pending backoff restart when the actor is stopped", async () => {
    const clock = new ManualClock();
    const system = await startSystem({ clock });
    const created = { n: 0 };
    const pid = await system.spawn("worker", counting(created), { supervisor: { backoff: { minMs: 100, maxMs: 1000 } } });
    pid.tell("boom");
    await eventually(() => clock.pending === 1, 5000, "the backoff timer");
    await system.stopActor(pid);
    expect(clock.pending).toBe(0);
    clock.advance(1000);
    expect(created.n).toBe(1);
    expect(pid.isAlive()).toBe(false);
  });

  it("counts only the restarts inside withinMs toward maxRestarts", async () => {
    const clock = new ManualClock();
    const system = await startSystem({ clock });
    let restarts = 0;
    system.eventStream.subscribe(ActorRestartedSchema, () => restarts++);
    const created = { n: 0 };
    const pid = await system.spawn("worker", counting(created), { supervisor: { maxRestarts: 1, withinMs: 1000 } });
    pid.tell("boom");
    await eventually(() => restarts === 1, 5000, "the first restart");
    clock.advance(1000);
    pid.tell("boom");
    await eventually(() => restarts === 2, 5000, "a restart once the first left the window");
    expect(pid.isAlive()).toBe(true);
    pid.tell("boom");
    await eventually(() => !pid.isAlive(), 5000, "the actor to stop with its budget spent");
    expect(restarts).toBe(2);
    expect(created.n).toBe(3);
  });
});
