import { batchTell, type Deadletter, DeadletterSchema } from "@tsakt/actor";
import { eventually } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { startSystem } from "./helpers.js";

describe("batchTell", () => {
  it("delivers 10,000 messages in order with one wake-up of the actor", async () => {
    const system = await startSystem();
    const seen: number[] = [];
    const pid = await system.spawnFunc("batched", (ctx) => void (typeof ctx.message === "number" && seen.push(ctx.message)));
    const dispatcher = system.dispatcher;
    const schedule = dispatcher.schedule.bind(dispatcher);
    let wakeUps = 0;
    dispatcher.schedule = (actor) => {
      if (actor === (pid as unknown)) wakeUps++;
      schedule(actor);
    };
    const messages = Array.from({ length: 10_000 }, (_, i) => i);
    expect(batchTell(pid, messages)).toBe(10_000);
    expect(wakeUps).toBe(1);
    dispatcher.schedule = schedule;
    await eventually("10,000 seen", () => seen.length === 10_000);
    expect(seen.every((v, i) => v === i)).toBe(true);
  });

  it("stops at the first refused message of a full bounded mailbox and says how many were queued", async () => {
    const system = await startSystem();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen: string[] = [];
    const pid = await system.spawnFunc(
      "small",
      async (ctx) => {
        if (ctx.message === "block") await gate;
        else if (typeof ctx.message === "string") seen.push(ctx.message);
      },
      { mailbox: { kind: "bounded", capacity: 2 } },
    );
    pid.tell("block");
    await new Promise((r) => setImmediate(r));
    expect(batchTell(pid, ["a", "b", "c", "d"])).toBe(2);
    release();
    await eventually("a and b processed", () => seen.length === 2);
    expect(seen).toEqual(["a", "b"]);
  });

  it("dead-letters the whole batch sent to a stopped actor and returns 0", async () => {
    const system = await startSystem();
    const letters: Deadletter[] = [];
    system.eventStream.subscribe(DeadletterSchema, (d) => letters.push(d));
    const pid = await system.spawnFunc("gone", () => {});
    await system.stopActor(pid);
    expect(batchTell(pid, ["x", "y"])).toBe(0);
    await eventually("2 dead letters", () => letters.length === 2);
    expect(letters.map((l) => l.reason)).toEqual(["actor stopped", "actor stopped"]);
  });
});
