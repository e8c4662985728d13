import { ActorSystem, AskTimeoutError, schedulerOf, silentLogger } from "@tsakt/actor";
import { eventually, staysTrue, TestClock } from "@tsakt/testkit";
import { afterEach, describe, expect, it } from "vitest";

const systems: ActorSystem[] = [];
afterEach(async () => {
  await Promise.all(systems.splice(0).map((s) => s.stop()));
});

async function start(clock: TestClock): Promise<ActorSystem> {
  const system = await ActorSystem.start({ name: "clocked", logger: silentLogger, clock });
  systems.push(system);
  return system;
}

describe("TestClock", () => {
  it("fires timers in due order, including those started by fired timers, only when advanced", async () => {
    const clock = new TestClock(1000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => {
      fired.push(`a@${clock.now()}`);
      clock.setTimeout(() => fired.push(`c@${clock.now()}`), 15);
    }, 10);
    const cancelled = clock.setTimeout(() => fired.push("never"), 5);
    clock.clearTimeout(cancelled);
    expect(fired).toEqual([]);
    await clock.advance(19);
    expect(fired).toEqual(["a@1010"]);
    expect(clock.now()).toBe(1019);
    await clock.advance(100);
    expect(fired).toEqual(["a@1010", "b@1020", "c@1025"]);
    expect(clock.pending).toBe(0);
    expect(clock.now()).toBe(1119);
  });

  it("drives ask timeouts with no real waiting", async () => {
    const clock = new TestClock();
    const system = await start(clock);
    const silent = await system.spawnFunc("silent", () => {});
    const started = performance.now();
    const ask = silent.ask("anyone?", { timeoutMs: 60_000 });
    let settled = false;
    ask.catch(() => undefined).finally(() => (settled = true));
    await clock.advance(59_000);
    expect(settled).toBe(false);
    await clock.advance(1_001);
    await expect(ask).rejects.toBeInstanceOf(AskTimeoutError);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it("drives idle passivation: an actor idle for afterIdleMs of clock time stops, a busy one does not", async () => {
    const clock = new TestClock();
    const system = await start(clock);
    const idle = await system.spawnFunc("idle", () => {}, { passivation: { afterIdleMs: 30_000 } });
    const busy = await system.spawnFunc("busy", () => {}, { passivation: { afterIdleMs: 30_000 } });
    for (let i = 0; i < 10; i++) {
      busy.tell("work");
      await clock.advance(5_000);
    }
    expect(idle.isAlive()).toBe(false);
    expect(busy.isAlive()).toBe(true);
  });

  it("drives the scheduler: every 1 s for 10 s of clock time delivers 10 messages", async () => {
    const clock = new TestClock();
    const system = await start(clock);
    const ticks: number[] = [];
    const target = await system.spawnFunc("target", (ctx) => {
      if (ctx.message === "tick") ticks.push(clock.now());
    });
    const start0 = clock.now();
    schedulerOf(system).every(1000, target, "tick");
    await clock.advance(10_000);
    await eventually("the tenth tick to be processed", () => ticks.length === 10);
    expect(ticks.map((t) => t - start0)).toEqual([1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10_000]);
  });
});

describe("eventually and staysTrue", () => {
  it("eventually resolves once the check holds (also when it stops throwing) and fails naming what it waited for", async () => {
    let n = 0;
    await eventually("n to reach 3", () => ++n >= 3, { intervalMs: 1 });
    expect(n).toBe(3);
    let m = 0;
    await eventually("expect to pass", () => expect(++m).toBe(2), { intervalMs: 1 });
    await expect(eventually("never", () => false, { timeoutMs: 30 })).rejects.toMatchObject({ code: "ConditionTimeout", what: "never" });
    const failing = eventually("a failing expect", () => expect(1).toBe(2), { timeoutMs: 20 });
    await expect(failing).rejects.toMatchObject({ code: "ConditionTimeout", cause: expect.objectContaining({ name: "AssertionError" }) });
  });

  it("eventually with a test clock waits in clock time", async () => {
    const clock = new TestClock(0);
    let fired = false;
    clock.setTimeout(() => (fired = true), 60_000);
    const waited = await eventually("the clock timer", () => fired, { clock, timeoutMs: 120_000, intervalMs: 1000 });
    expect(waited).toBe(60_000);
  });

  it("staysTrue passes while the check holds and fails as soon as it does not", async () => {
    await staysTrue("always", () => true, { timeoutMs: 30, intervalMs: 5 });
    let n = 0;
    await expect(staysTrue("n below 3", () => ++n < 3, { timeoutMs: 1000, intervalMs: 1 })).rejects.toMatchObject({
      code: "ConditionBroken",
      what: "n below 3",
    });
    expect(n).toBe(3);
  });
});
