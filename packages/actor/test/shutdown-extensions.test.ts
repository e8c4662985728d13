import { ActorSystem, type Extension, type InvalidOptionError, ShutdownHookError, silentLogger } from "@tsakt/actor";
import { describe, expect, it } from "vitest";
import { startSystem } from "./helpers.js";

describe("coordinated shutdown", () => {
  it("runs hooks in order before stopping actors depth-first", async () => {
    const order: string[] = [];
    const system = await ActorSystem.start({
      logger: silentLogger,
      shutdownHooks: [{ name: "first", run: () => void order.push("hook first") }],
    });
    system.addShutdownHook({ name: "second", run: async () => void order.push("hook second") });
    await system.spawn("a", () => ({ receive() {}, postStop: () => void order.push("actor a stopped") }));
    await system.stop();
    expect(order).toEqual(["hook first", "hook second", "actor a stopped"]);
  });

  it("skips a failing hook under skip and goes on", async () => {
    const order: string[] = [];
    const system = await ActorSystem.start({ logger: silentLogger });
    system.addShutdownHook({ name: "broken", recovery: "skip", run: () => Promise.reject(new Error("flush failed")) });
    system.addShutdownHook({ name: "after", run: () => void order.push("after") });
    await expect(system.stop()).resolves.toBeUndefined();
    expect(order).toEqual(["after"]);
  });

  it("retries then skips, calling the hook 1 + retries times", async () => {
    let calls = 0;
    const system = await ActorSystem.start({ logger: silentLogger });
    system.addShutdownHook({
      name: "flaky",
      recovery: "retry-then-skip",
      retries: 2,
      retryDelayMs: 1,
      run: () => {
        calls++;
        throw new Error("still down");
      },
    });
    await system.stop();
    expect(calls).toBe(3);
  });

  it("succeeds on a retry without failing the stop", async () => {
    let calls = 0;
    const system = await ActorSystem.start({ logger: silentLogger });
    system.addShutdownHook({
      name: "second-time-lucky",
      recovery: "retry-then-fail",
      retryDelayMs: 1,
      run: () => {
        if (++calls < 2) throw new Error("not yet");
      },
    });
    await expect(system.stop()).resolves.toBeUndefined();
    expect(calls).toBe(2);
  });

  it("fails: skips the remaining hooks, still stops actors, and rejects stop with ShutdownHookError", async () => {
    const order: string[] = [];
    const system = await ActorSystem.start({ logger: silentLogger });
    system.addShutdownHook({ name: "must-work", recovery: "fail", run: () => Promise.reject(new Error("cannot leave cluster")) });
    system.addShutdownHook({ name: "never", run: () => void order.push("never") });
    const pid = await system.spawn("a", () => ({ receive() {}, postStop: () => void order.push("actor stopped") }));
    const error = await system.stop().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShutdownHookError);
    expect((error as ShutdownHookError).hook).toBe("must-work");
    expect((error as Error).message).toContain("cannot leave cluster");
    expect(order).toEqual(["actor stopped"]);
    expect(pid.isAlive()).toBe(false);
  });

  it("counts a hook that exceeds its timeout as failed", async () => {
    const system = await ActorSystem.start({ logger: silentLogger });
    system.addShutdownHook({ name: "slow", timeoutMs: 20, recovery: "fail", run: () => new Promise(() => {}) });
    const error = await system.stop().catch((e: unknown) => e);
    expect((error as Error).message).toContain("timed out after 20 ms");
  });

  it("rejects bad hooks naming the field", async () => {
    const error = await ActorSystem.start({
      logger: silentLogger,
      shutdownHooks: [{ name: "x", run: () => {}, recovery: "pray" } as never],
    }).catch((e: unknown) => e);
    expect((error as InvalidOptionError).field).toBe("shutdownHooks[0].recovery");
  });
});

describe("extensions and dependencies", () => {
  interface Clock extends Extension {
    now(): number;
  }

  it("lets actors look up system extensions and their own dependencies by id, across restarts", async () => {
    const clock: Clock = { id: "clock", now: () => 42 };
    const repo = { id: "repo", find: (k: string) => `value of ${k}` };
    const system = await startSystem({ extensions: [clock] });
    const pid = await system.spawnFunc(
      "reader",
      (ctx) => {
        if (ctx.message === "boom") throw new Error("restart me");
        if (ctx.message === "read") {
          const r = ctx.dependency<typeof repo>("repo");
          ctx.respond(
            `${ctx.extension<Clock>("clock")?.now()} ${r?.find("k")} ${ctx.dependencies().length} ${String(ctx.extension("none"))}`,
          );
        }
      },
      { dependencies: [repo] },
    );
    expect(await pid.ask("read")).toBe("42 value of k 1 undefined");
    pid.tell("boom");
    expect(await pid.ask("read")).toBe("42 value of k 1 undefined");
    expect(system.extension<Clock>("clock")).toBe(clock);
  });

  it("rejects duplicate or missing ids naming the field", async () => {
    const error = await ActorSystem.start({ logger: silentLogger, extensions: [{ id: "a" }, { id: "a" }] }).catch((e: unknown) => e);
    expect((error as InvalidOptionError).field).toBe("extensions[1].id");
    const system = await startSystem();
    const depError = await system.spawnFunc("x", () => {}, { dependencies: [{ id: "" }] }).catch((e: unknown) => e);
    expect((depError as InvalidOptionError).field).toBe("dependencies[0].id");
  });
});
