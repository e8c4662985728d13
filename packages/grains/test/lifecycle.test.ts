import type { PID } from "@tsakt/actor";
import { defaultIdleMs, grainOf } from "@tsakt/grains";
import { eventually } from "@tsakt/testkit";
import { afterEach, describe, expect, it, vi } from "vitest";
import { counterKind, deferred, flush, type Lifecycle, startGrains } from "./helpers.js";

/** Advances fake time by `ms`, then lets the actors handle what the timers sent. */
async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  await flush();
}

function useFakeTime(): void {
  // setImmediate stays real: the dispatcher yields through it, and actors must run while time is faked.
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
}

afterEach(() => {
  vi.useRealTimers();
});

describe("activation", () => {
  it("activates a grain on its first message and keeps its state between messages", async () => {
    const lifecycle: Lifecycle = [];
    const system = await startGrains({ kinds: { counter: counterKind(lifecycle) } });
    const counter = grainOf(system, "counter", "a");
    expect(lifecycle).toEqual([]);

    counter.tell("inc");
    counter.tell("inc");
    expect(await counter.ask("get")).toBe(2);
    expect(await grainOf(system, "counter", "a").ask("get")).toBe(2);
    expect(lifecycle).toEqual(["activate a"]);
  });

  it("keeps grains of different ids apart", async () => {
    const lifecycle: Lifecycle = [];
    const system = await startGrains({ kinds: { counter: counterKind(lifecycle) } });
    grainOf(system, "counter", "a").tell("inc");
    expect(await grainOf(system, "counter", "b").ask("get")).toBe(0);
    expect(await grainOf(system, "counter", "a").ask("get")).toBe(1);
    expect([...lifecycle].sort()).toEqual(["activate a", "activate b"]);
  });

  it("delivers the messages of one sender in order, across the activation", async () => {
    const system = await startGrains({ kinds: { counter: counterKind([]) } });
    const counter = grainOf(system, "counter", "ordered");
    // Yielding now and then lets the activation finish mid-stream, so later messages take the direct path.
    for (let i = 0; i < 1000; i++) {
      counter.tell(i);
      if (i % 97 === 0) await flush();
    }
    expect(await counter.ask("list")).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it("delivers the messages of an actor in order while the grain activates between them", async () => {
    // Throughput 1 interleaves the sender's turns with the manager's, so sends land before, during and after activation.
    const system = await startGrains({ kinds: { counter: counterKind([]) } }, { dispatcher: { throughput: 1 } });
    const counter = grainOf(system, "counter", "interleaved");
    // Enough sends to outlast a dispatcher slice, so the directory claim resolves while the pump still runs.
    const total = 20_000;
    let sent = 0;
    const pump = await system.spawnFunc("pump", (ctx) => {
      if (typeof ctx.message !== "number") return;
      counter.tell(ctx.message);
      sent++;
      if (ctx.message + 1 < total) ctx.tell(ctx.self, ctx.message + 1);
    });
    pump.tell(0);
    await eventually("the pump to finish", () => sent === total);
    expect(await counter.ask("list")).toEqual(Array.from({ length: total }, (_, i) => i));
  });
});

describe("deactivation", () => {
  it("deactivates an idle grain and reactivates it with fresh state on the next message", async () => {
    useFakeTime();
    const lifecycle: Lifecycle = [];
    const system = await startGrains({ kinds: { counter: counterKind(lifecycle, { idleMs: 1000 }) } });
    const counter = grainOf(system, "counter", "a");
    counter.tell("inc");
    expect(await counter.ask("get")).toBe(1);

    await advance(800);
    expect(await counter.ask("get")).toBe(1);
    await advance(800);
    expect(lifecycle).toEqual(["activate a"]);

    await advance(1000);
    expect(lifecycle).toEqual(["activate a", "deactivate a"]);

    expect(await counter.ask("get")).toBe(0);
    expect(lifecycle).toEqual(["activate a", "deactivate a", "activate a"]);
  });

  it(`deactivates after the default idle time of two minutes (${defaultIdleMs} ms)`, async () => {
    useFakeTime();
    const lifecycle: Lifecycle = [];
    const system = await startGrains({ kinds: { counter: counterKind(lifecycle) } });
    await grainOf(system, "counter", "a").ask("get");

    await advance(defaultIdleMs - 1000);
    expect(lifecycle).toEqual(["activate a"]);
    await advance(2500);
    expect(lifecycle).toEqual(["activate a", "deactivate a"]);
  });

  it("keeps a long-lived grain active however long it is idle", async () => {
    useFakeTime();
    const lifecycle: Lifecycle = [];
    const system = await startGrains({
      kinds: { keeper: counterKind(lifecycle, { longLived: true }), brief: counterKind(lifecycle, { idleMs: 1000 }) },
    });
    grainOf(system, "keeper", "k").tell("inc");
    await grainOf(system, "brief", "b").ask("get");

    await advance(60 * 60 * 1000);
    expect(lifecycle).toEqual(["activate k", "activate b", "deactivate b"]);
    expect(await grainOf(system, "keeper", "k").ask("get")).toBe(1);
  });

  it("keeps a grain active while an async onReceive runs longer than the idle time", async () => {
    useFakeTime();
    const lifecycle: Lifecycle = [];
    const work = deferred();
    const system = await startGrains({
      kinds: {
        slow: {
          idleMs: 100,
          factory: () => ({
            onReceive: async (ctx) => {
              await work.promise;
              ctx.respond("done");
            },
            onDeactivate: () => void lifecycle.push("deactivate"),
          }),
        },
      },
    });
    const reply = grainOf(system, "slow", "s").ask("work", { timeoutMs: 60_000 });
    await advance(1000);
    expect(lifecycle).toEqual([]);
    work.resolve();
    expect(await reply).toBe("done");
    await advance(300);
    expect(lifecycle).toEqual(["deactivate"]);
  });

  it("keeps messages sent while a grain deactivates for its next activation, which starts after onDeactivate", async () => {
    useFakeTime();
    const lifecycle: Lifecycle = [];
    const release = deferred();
    const system = await startGrains({
      kinds: {
        counter: {
          idleMs: 100,
          factory: () => {
            let count = 0;
            return {
              onActivate: () => void lifecycle.push("activate"),
              onReceive: (ctx) => {
                if (ctx.message === "inc") count++;
                else ctx.respond(count);
              },
              onDeactivate: async () => {
                lifecycle.push("deactivating");
                await release.promise;
                lifecycle.push("deactivated");
              },
            };
          },
        },
      },
    });
    const counter = grainOf(system, "counter", "c");
    counter.tell("inc");
    await counter.ask("get");
    await advance(300);
    expect(lifecycle).toEqual(["activate", "deactivating"]);

    counter.tell("inc");
    const reply = counter.ask("get", { timeoutMs: 60_000 });
    await flush();
    expect(lifecycle).toEqual(["activate", "deactivating"]);

    release.resolve();
    expect(await reply).toBe(1);
    expect(lifecycle).toEqual(["activate", "deactivating", "deactivated", "activate"]);
  });

  it("deactivates every grain when the system stops", async () => {
    const lifecycle: Lifecycle = [];
    const system = await startGrains({ kinds: { counter: counterKind(lifecycle, { longLived: true }) } });
    await Promise.all(["a", "b", "c"].map((id) => grainOf(system, "counter", id).ask("get")));

    await system.stop();
    expect(lifecycle.filter((e) => e.startsWith("deactivate")).sort()).toEqual(["deactivate a", "deactivate b", "deactivate c"]);
  });

  it("lets a grain's async onDeactivate finish before system.stop() resolves", async () => {
    const lifecycle: Lifecycle = [];
    const system = await startGrains({
      kinds: {
        saver: {
          factory: () => ({
            onReceive: (ctx) => ctx.respond("ok"),
            onDeactivate: async () => {
              await new Promise((resolve) => setTimeout(resolve, 20));
              lifecycle.push("saved");
            },
          }),
        },
      },
    });
    await grainOf(system, "saver", "s").ask("hi");
    await system.stop();
    expect(lifecycle).toEqual(["saved"]);
  });

  it("reactivates a grain whose actor was stopped from outside", async () => {
    const lifecycle: Lifecycle = [];
    const system = await startGrains({ kinds: { counter: counterKind(lifecycle) } });
    const counter = grainOf(system, "counter", "x");
    counter.tell("inc");
    expect(await counter.ask("get")).toBe(1);

    await system.stopActor(system.localActorOf("/system/grains/counter@x") as PID);
    expect(await counter.ask("get")).toBe(0);
    expect(lifecycle).toEqual(["activate x", "deactivate x", "activate x"]);
  });

  it("reactivates grains whose ids are escaped in their actor names once those actors were stopped", async () => {
    const lifecycle: Lifecycle = [];
    const system = await startGrains({ kinds: { counter: counterKind(lifecycle) } });
    const ids = ["a b", "~!'()*", "é/x@y$z", "x$1", "%41", "日本"];
    for (const id of ids) {
      const counter = grainOf(system, "counter", id);
      counter.tell("inc");
      expect(await counter.ask("get")).toBe(1);
      await system.stopActor(system.localActorOf(counter.path) as PID);
      // The manager finds the identity from the stopped actor's name: the next call activates it again.
      expect(await counter.ask("get", { timeoutMs: 2000 })).toBe(0);
    }
    expect(lifecycle).toEqual(ids.flatMap((id) => [`activate ${id}`, `deactivate ${id}`, `activate ${id}`]));
  });

  it("counts activations as actors under /system/grains", async () => {
    const system = await startGrains({ kinds: { counter: counterKind([], { idleMs: 20 }) } });
    const before = system.actorCount;
    await grainOf(system, "counter", "x").ask("get");
    expect(system.localActorOf(`/system/grains/counter@x`)).toBeDefined();
    expect(system.actorCount).toBe(before + 1);
    await eventually("the idle grain to deactivate", () => system.actorCount === before);
  });
});
