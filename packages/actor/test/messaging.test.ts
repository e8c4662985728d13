import { createHook } from "node:async_hooks";
import { AskAbortedError, AskTimeoutError, DeadActorError, InvalidOptionError, type PID } from "@tsakt/actor";
import { eventually, TestClock } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { sleep, startSystem } from "./helpers.js";

describe("tell and ask", () => {
  it("answers asks through ctx.respond and keeps per-sender order for tells", async () => {
    const system = await startSystem();
    const seen: number[] = [];
    const pid = await system.spawnFunc("acc", (ctx) => {
      if (typeof ctx.message === "number") seen.push(ctx.message);
      else if (ctx.message === "sum") ctx.respond(seen.reduce((a, b) => a + b, 0));
    });
    for (let i = 1; i <= 1000; i++) pid.tell(i);
    expect(await pid.ask("sum")).toBe(500500);
    expect(seen).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
  });

  it("sets ctx.sender for ctx.tell and keeps the original sender through forward", async () => {
    const system = await startSystem();
    const echo = await system.spawnFunc("echo", (ctx) => {
      if (typeof ctx.message === "string") ctx.respond(`echo:${ctx.message}`);
    });
    const relay = await system.spawnFunc("relay", (ctx) => {
      if (typeof ctx.message === "string") ctx.forward(echo);
    });
    const replies: unknown[] = [];
    let senderSeen: PID | undefined;
    const client = await system.spawnFunc("client", (ctx) => {
      if (ctx.message === "go") ctx.tell(relay, "hi");
      else if (typeof ctx.message === "string") {
        replies.push(ctx.message);
        senderSeen = ctx.sender;
      }
    });
    client.tell("go");
    await eventually("the reply", () => replies.length === 1);
    expect(replies).toEqual(["echo:hi"]);
    expect(senderSeen).toBe(echo);
    expect(await relay.ask("direct")).toBe("echo:direct");
  });

  it("times out an unanswered ask with AskTimeoutError naming the target", async () => {
    const clock = new TestClock();
    const system = await startSystem({ clock });
    const mute = await system.spawnFunc("mute", () => {});
    let timedOut = false;
    const pending = mute.ask("hello?", { timeoutMs: 50 }).catch((e: unknown) => ((timedOut = true), e));
    await clock.advance(49);
    expect(timedOut).toBe(false);
    await clock.advance(1);
    expect(timedOut).toBe(true);
    const error = await pending;
    expect(error).toBeInstanceOf(AskTimeoutError);
    expect((error as Error).message).toContain("/user/mute");
  });

  it("times out each ask at its own deadline when many share one timeout", async () => {
    const clock = new TestClock();
    const system = await startSystem({ clock });
    const mute = await system.spawnFunc("mute", () => {});
    const timedOut: number[] = [];
    const ask = (n: number) => mute.ask(n, { timeoutMs: 60 }).catch((e: unknown) => (timedOut.push(n), e));
    const first = ask(1);
    await clock.advance(30);
    const second = ask(2);
    await clock.advance(30);
    expect(timedOut).toEqual([1]);
    await clock.advance(29);
    expect(timedOut).toEqual([1]);
    await clock.advance(1);
    expect(timedOut).toEqual([1, 2]);
    expect(await first).toBeInstanceOf(AskTimeoutError);
    expect(await second).toBeInstanceOf(AskTimeoutError);
  });

  it("cancels an ask through its AbortSignal", async () => {
    const system = await startSystem();
    const mute = await system.spawnFunc("mute", () => {});
    const controller = new AbortController();
    const pending = mute.ask("x", { timeoutMs: 10_000, signal: controller.signal });
    controller.abort(new Error("user left"));
    await expect(pending).rejects.toBeInstanceOf(AskAbortedError);
    await expect(mute.ask("x", { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AskAbortedError);
  });

  it("fails an ask to a stopped actor fast with DeadActorError and counts a dead letter", async () => {
    const system = await startSystem();
    const pid = await system.spawnFunc("gone", (ctx) => ctx.respond("ok"));
    await system.stopActor(pid);
    const before = system.deadLetterCount;
    const started = performance.now();
    await expect(pid.ask("anyone?")).rejects.toBeInstanceOf(DeadActorError);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(pid.tell("hello")).toBe(false);
    expect(system.deadLetterCount).toBe(before + 2);
  });

  it("fails asks still queued when their actor stops with DeadActorError", async () => {
    const system = await startSystem();
    let release!: () => void;
    const pid = await system.spawnFunc("busy", async (ctx) => {
      if (ctx.message === "block") await new Promise<void>((r) => (release = r));
    });
    pid.tell("block");
    await eventually("the handler to block", () => release !== undefined);
    const queued = pid.ask("later", { timeoutMs: 5000 });
    const stopping = system.stopActor(pid);
    release();
    await stopping;
    await expect(queued).rejects.toBeInstanceOf(DeadActorError);
  });

  it("rejects a bad ask timeout with InvalidOptionError", async () => {
    const system = await startSystem();
    const pid = await system.spawnFunc("t", () => {});
    const error = await pid.ask("x", { timeoutMs: -5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).field).toBe("timeoutMs");
  });

  it("processes one message at a time even when handlers are async", async () => {
    const system = await startSystem();
    let active = 0;
    let maxActive = 0;
    const order: number[] = [];
    const pid = await system.spawnFunc("serial", async (ctx) => {
      if (typeof ctx.message !== "number") return;
      active++;
      maxActive = Math.max(maxActive, active);
      await sleep(ctx.message % 3);
      order.push(ctx.message);
      active--;
    });
    for (let i = 0; i < 30; i++) pid.tell(i);
    await eventually("all 30 messages handled", () => order.length === 30);
    expect(maxActive).toBe(1);
    expect(order).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it("creates no promise per message for a sync handler", async () => {
    const system = await startSystem();
    let count = 0;
    const pid = await system.spawnFunc("sync", () => void count++);
    await eventually("the first message handled", () => count === 1);
    let promises = 0;
    const hook = createHook({
      init(_id, type) {
        if (type === "PROMISE") promises++;
      },
    }).enable();
    for (let i = 0; i < 10_000; i++) pid.tell(i);
    await eventually("all 10,001 messages handled", () => count === 10_001);
    hook.disable();
    // eventually() itself awaits a few timers; 10,000 messages must not add a promise each.
    expect(promises).toBeLessThan(100);
  });

  it("keeps timers firing while an actor is flooded", async () => {
    const system = await startSystem();
    let handled = 0;
    const flood = await system.spawnFunc("flood", (ctx) => {
      handled++;
      if (typeof ctx.message === "number" && ctx.message > 0) ctx.tell(ctx.self, ctx.message - 1);
    });
    let ticks = 0;
    const interval = setInterval(() => ticks++, 1);
    flood.tell(2_000_000);
    await eventually("the flood to finish", () => handled > 2_000_000, { timeoutMs: 20_000 });
    clearInterval(interval);
    // The self-feeding flood takes hundreds of ms; timers must have fired throughout it.
    expect(ticks).toBeGreaterThan(5);
  });
});
