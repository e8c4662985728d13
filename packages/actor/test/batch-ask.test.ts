import { AskFailedError, batchAsk, DeadActorError, InvalidOptionError, MailboxFullError } from "@tsakt/actor";
import { eventually } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { startSystem } from "./helpers.js";

describe("batchAsk", () => {
  it("asks 1,000 messages with one wake-up of the actor and resolves with the replies in order", async () => {
    const system = await startSystem();
    const pid = await system.spawnFunc("doubler", (ctx) => {
      if (typeof ctx.message === "number") ctx.respond(ctx.message * 2);
    });
    const dispatcher = system.dispatcher;
    const schedule = dispatcher.schedule.bind(dispatcher);
    let wakeUps = 0;
    dispatcher.schedule = (actor) => {
      if (actor === (pid as unknown)) wakeUps++;
      schedule(actor);
    };
    const messages = Array.from({ length: 1_000 }, (_, i) => i);
    const replies = batchAsk<number>(pid, messages);
    expect(wakeUps).toBe(1);
    dispatcher.schedule = schedule;
    expect(await replies).toEqual(messages.map((i) => i * 2));
  });

  it("rejects at once with the handler's AskFailedError when one message of the batch fails", async () => {
    const system = await startSystem();
    const pid = await system.spawnFunc("picky", (ctx) => {
      if (ctx.message === "bad") throw new RangeError("no bad ones");
      if (typeof ctx.message === "string") ctx.respond(ctx.message);
    });
    const started = performance.now();
    const error = await batchAsk(pid, ["a", "bad", "c"], { timeoutMs: 60_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AskFailedError);
    expect(error).toMatchObject({ causeName: "RangeError", causeMessage: "no bad ones" });
    // Far below the 60 s timeout: the failure reply, not the deadline, ended it.
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it("fails the refused message of a full bounded mailbox and the ones after it with MailboxFullError", async () => {
    const system = await startSystem();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen: string[] = [];
    const pid = await system.spawnFunc(
      "small",
      async (ctx) => {
        if (ctx.message === "block") await gate;
        else if (typeof ctx.message === "string") {
          seen.push(ctx.message);
          ctx.respond(ctx.message);
        }
      },
      { mailbox: { kind: "bounded", capacity: 2 } },
    );
    pid.tell("block");
    await new Promise((r) => setImmediate(r));
    const error = await batchAsk(pid, ["a", "b", "c", "d"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailboxFullError);
    release();
    await eventually("a and b processed", () => seen.length === 2);
    expect(seen).toEqual(["a", "b"]);
  });

  it("rejects with DeadActorError for a stopped actor and InvalidOptionError for a bad timeout", async () => {
    const system = await startSystem();
    const pid = await system.spawnFunc("echo", (ctx) => ctx.respond(ctx.message));
    await expect(batchAsk(pid, ["x"], { timeoutMs: -1 })).rejects.toBeInstanceOf(InvalidOptionError);
    await system.stopActor(pid);
    await expect(batchAsk(pid, ["x", "y"])).rejects.toBeInstanceOf(DeadActorError);
  });

  it("resolves with an empty array for no messages", async () => {
    const system = await startSystem();
    const pid = await system.spawnFunc("echo", (ctx) => ctx.respond(ctx.message));
    expect(await batchAsk(pid, [])).toEqual([]);
  });
});
