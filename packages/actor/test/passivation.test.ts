import { ActorPassivatedSchema, ActorSystem, type InvalidOptionError, type ReceiveContext, silentLogger } from "@tsakt/actor";
import { actorSnapshot } from "@tsakt/actor/internal";
import { eventually, TestClock } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { startSystem } from "./helpers.js";

/** A counter that records how many instances were made and stopped. */
function counter(stats: { created: number; stopped: number }) {
  return () => {
    stats.created++;
    let n = 0;
    return {
      receive(ctx: ReceiveContext) {
        if (ctx.message === "inc") n++;
        else if (ctx.message === "get") ctx.respond(n);
      },
      postStop() {
        stats.stopped++;
      },
    };
  };
}

describe("passivation", () => {
  it("stops an idle actor after afterIdleMs; later mail to it is a dead letter", async () => {
    const clock = new TestClock();
    const system = await startSystem({ clock });
    const passivated: string[] = [];
    system.eventStream.subscribe(ActorPassivatedSchema, (e) => passivated.push(e.address));
    const stats = { created: 0, stopped: 0 };
    const pid = await system.spawn("idle", counter(stats), { passivation: { afterIdleMs: 40 } });
    pid.tell("inc");
    await clock.advance(39);
    expect(pid.isAlive()).toBe(true);
    await clock.advance(1);
    await eventually("passivation", () => !pid.isAlive());
    expect(passivated).toEqual([pid.address]);
    expect(stats.stopped).toBe(1);
    expect(system.localActorOf("idle")).toBeUndefined();
    const before = system.deadLetterCount;
    expect(pid.tell("inc")).toBe(false);
    expect(system.deadLetterCount).toBe(before + 1);
  });

  it("keeps a busy actor alive while messages keep arriving within the idle time", async () => {
    const clock = new TestClock();
    const system = await startSystem({ clock });
    const stats = { created: 0, stopped: 0 };
    const pid = await system.spawn("busy", counter(stats), { passivation: { afterIdleMs: 80 } });
    for (let i = 0; i < 10; i++) {
      pid.tell("inc");
      await clock.advance(20);
    }
    expect(pid.isAlive()).toBe(true);
    expect(await pid.ask("get")).toBe(10);
  });

  it("reactivates a passivated actor from its factory on the next message when configured", async () => {
    const clock = new TestClock();
    const system = await startSystem({ clock });
    const stats = { created: 0, stopped: 0 };
    const pid = await system.spawn("virtual", counter(stats), { passivation: { afterIdleMs: 30, reactivate: true } });
    pid.tell("inc");
    await clock.advance(40);
    await eventually("passivation", () => stats.stopped === 1);
    expect(system.localActorOf("virtual")).toBe(pid);
    expect(system.actorCount).toBe(1);
    expect(await pid.ask("get")).toBe(0);
    expect(stats.created).toBe(2);
  });

  it("passivates after a number of messages", async () => {
    const system = await startSystem();
    const stats = { created: 0, stopped: 0 };
    const pid = await system.spawn("counted", counter(stats), { passivation: { afterMessages: 3 } });
    pid.tell("inc");
    pid.tell("inc");
    // PostStart and two messages: passivation would run in a microtask right after the turn.
    await eventually("two messages handled", () => actorSnapshot(system, "/user/counted")?.processed === 3);
    expect(pid.isAlive()).toBe(true);
    pid.tell("inc");
    await eventually("passivation after 3 messages", () => !pid.isAlive(), { timeoutMs: 3000 });
    expect(stats.stopped).toBe(1);
  });

  it("never passivates a long-lived actor", async () => {
    const clock = new TestClock();
    const system = await startSystem({ clock, passivation: { maxActors: 1 } });
    const stats = { created: 0, stopped: 0 };
    const a = await system.spawn("a", counter(stats), { passivation: "long-lived" });
    const b = await system.spawn("b", counter(stats), { passivation: "long-lived" });
    await clock.advance(3_600_000);
    expect(a.isAlive() && b.isAlive()).toBe(true);
  });

  it("evicts the least recently used actor past the node-wide cap", async () => {
    const clock = new TestClock();
    const system = await startSystem({ clock, passivation: { maxActors: 2, eviction: "lru" } });
    const stats = { created: 0, stopped: 0 };
    const options = { passivation: { afterIdleMs: 60_000 } };
    const a = await system.spawn("a", counter(stats), options);
    const b = await system.spawn("b", counter(stats), options);
    await clock.advance(5);
    a.tell("inc");
    await clock.advance(5);
    const c = await system.spawn("c", counter(stats), options);
    await eventually("b to be evicted", () => !b.isAlive(), { timeoutMs: 3000 });
    expect(a.isAlive()).toBe(true);
    expect(c.isAlive()).toBe(true);
  });

  it("evicts the most recently used actor past the node-wide cap with MRU", async () => {
    const clock = new TestClock();
    const system = await startSystem({ clock, passivation: { maxActors: 3, eviction: "mru" } });
    const stats = { created: 0, stopped: 0 };
    const options = { passivation: { afterIdleMs: 60_000 } };
    const a = await system.spawn("a", counter(stats), options);
    const b = await system.spawn("b", counter(stats), options);
    const c = await system.spawn("c", counter(stats), options);
    await clock.advance(5);
    expect(await b.ask("get")).toBe(0);
    await clock.advance(5);
    expect(await a.ask("get")).toBe(0); // a is now the most recently used, b the next
    await clock.advance(5);
    const d = await system.spawn("d", counter(stats), options);
    await eventually("a to be evicted", () => !a.isAlive(), { timeoutMs: 3000 });
    expect([b.isAlive(), c.isAlive(), d.isAlive()]).toEqual([true, true, true]);
  });

  it("evicts the least frequently used actor past the cap with LFU", async () => {
    const system = await startSystem({ passivation: { maxActors: 2, eviction: "lfu" } });
    const stats = { created: 0, stopped: 0 };
    const options = { passivation: { afterIdleMs: 60_000 } };
    const a = await system.spawn("a", counter(stats), options);
    const b = await system.spawn("b", counter(stats), options);
    for (let i = 0; i < 5; i++) a.tell("inc");
    b.tell("inc");
    expect(await a.ask("get")).toBe(5);
    expect(await b.ask("get")).toBe(1);
    await system.spawn("c", counter(stats), options);
    await eventually("b to be evicted", () => !b.isAlive(), { timeoutMs: 3000 });
    expect(a.isAlive()).toBe(true);
  });

  it("rejects bad passivation options naming the field", async () => {
    const system = await startSystem();
    const error = await system
      .spawn("x", counter({ created: 0, stopped: 0 }), { passivation: { afterIdleMs: -1 } })
      .catch((e: unknown) => e);
    expect((error as InvalidOptionError).field).toBe("passivation.afterIdleMs");
    const capError = await ActorSystem.start({ logger: silentLogger, passivation: { maxActors: 0 } }).catch((e: unknown) => e);
    expect((capError as InvalidOptionError).field).toBe("passivation.maxActors");
  });
});
