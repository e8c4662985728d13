import { type PID, TerminatedSchema } from "@tsakt/actor";
import { eventually } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { startSystem } from "./helpers.js";

describe("system messages first", () => {
  it("processes Terminated before 10,000 queued user messages", async () => {
    const system = await startSystem();
    const watched = await system.spawnFunc("watched", () => {});
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const order: string[] = [];
    const watcher: PID = await system.spawnFunc("watcher", async (ctx) => {
      if (ctx.message === "watch") ctx.watch(watched);
      else if (ctx.message === "block") await gate;
      else if (ctx.is(TerminatedSchema)) order.push(`terminated ${ctx.message.address}`);
      else if (typeof ctx.message === "number") order.push("user");
    });
    watcher.tell("watch");
    watcher.tell("block");
    for (let i = 0; i < 10_000; i++) watcher.tell(i);
    await system.stopActor(watched);
    release();
    await eventually("all 10,001 messages processed", () => order.length === 10_001);
    expect(order.indexOf(`terminated ${watched.address}`)).toBe(0);
    expect(order.slice(1).every((o) => o === "user")).toBe(true);
  });

  it("keeps user messages in order around system notices, and none is lost when the watcher stops", async () => {
    const system = await startSystem();
    const a = await system.spawnFunc("a", () => {});
    const b = await system.spawnFunc("b", () => {});
    const seen: unknown[] = [];
    const watcher = await system.spawnFunc("watcher2", (ctx) => {
      if (ctx.message === "watch") {
        ctx.watch(a);
        ctx.watch(b);
      } else if (ctx.is(TerminatedSchema)) seen.push(ctx.message.address);
      else if (typeof ctx.message === "number") seen.push(ctx.message);
    });
    watcher.tell("watch");
    await eventually("watching", () => system.localActorOf("watcher2") !== undefined);
    await system.stopActor(a);
    await system.stopActor(b);
    for (let i = 0; i < 3; i++) watcher.tell(i);
    await eventually("5 seen", () => seen.length === 5);
    expect(seen).toEqual([a.address, b.address, 0, 1, 2]);
  });
});
