import { type PID, PipeFailureSchema } from "@tsakt/actor";
import { eventually } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { sleep, startSystem } from "./helpers.js";

async function slowEcho(system: Awaited<ReturnType<typeof startSystem>>): Promise<PID> {
  return system.spawnFunc("slow-echo", async (ctx) => {
    if (typeof ctx.message !== "string") return;
    await sleep(30);
    ctx.respond(`echo:${ctx.message}`);
  });
}

describe("reentrancy with ctx.request", () => {
  it("keeps processing other messages while a request is pending, then runs the callback as a turn", async () => {
    const system = await startSystem();
    const echo = await slowEcho(system);
    const log: string[] = [];
    const pid = await system.spawnFunc("asker", (ctx) => {
      if (ctx.message === "start") {
        ctx.request<string>(echo, "q").then((reply) => {
          log.push(`reply ${reply}, ctx.message=${String(ctx.message)}`);
        });
      } else if (typeof ctx.message === "string") log.push(ctx.message);
    });
    pid.tell("start");
    pid.tell("other-1");
    pid.tell("other-2");
    await eventually("3 log entries", () => log.length === 3);
    expect(log).toEqual(["other-1", "other-2", "reply echo:q, ctx.message=echo:q"]);
  });

  it("holds other messages back while a request is pending in stash mode", async () => {
    const system = await startSystem();
    const echo = await slowEcho(system);
    const log: string[] = [];
    const pid = await system.spawnFunc(
      "asker",
      (ctx) => {
        if (ctx.message === "start") ctx.request<string>(echo, "q").then((reply) => void log.push(reply));
        else if (typeof ctx.message === "string") log.push(ctx.message);
      },
      { reentrancy: "stash" },
    );
    pid.tell("start");
    pid.tell("other");
    await eventually("2 log entries", () => log.length === 2);
    expect(log).toEqual(["echo:q", "other"]);
  });

  it("delivers a failed request to the rejection callback", async () => {
    const system = await startSystem();
    const mute = await system.spawnFunc("mute", () => {});
    const failures: string[] = [];
    const pid = await system.spawnFunc("asker", (ctx) => {
      if (ctx.message === "start")
        ctx.request(mute, "q", { timeoutMs: 20 }).then(undefined, (e: unknown) => void failures.push((e as Error).name));
    });
    pid.tell("start");
    await eventually("the failure", () => failures.length === 1);
    expect(failures).toEqual(["AskTimeoutError"]);
  });

  it("behaves like ask when awaited inside an async handler", async () => {
    const system = await startSystem();
    const echo = await slowEcho(system);
    const pid = await system.spawnFunc("awaiter", async (ctx) => {
      if (ctx.message === "go") ctx.respond(await ctx.request(echo, "x"));
    });
    expect(await pid.ask("go")).toBe("echo:x");
  });
});

describe("pipeTo", () => {
  it("sends a resolved value to the target and a rejection as PipeFailure", async () => {
    const system = await startSystem();
    const got: unknown[] = [];
    const sink = await system.spawnFunc("sink", (ctx) => {
      if (ctx.is(PipeFailureSchema)) got.push(`failure:${ctx.message.message}`);
      else if (typeof ctx.message === "number") got.push(ctx.message);
    });
    const piper = await system.spawnFunc("piper", (ctx) => {
      if (ctx.message === "go") {
        ctx.pipeTo(Promise.resolve(42), sink);
        ctx.pipeTo(Promise.reject(new Error("disk full")), sink);
      } else if (typeof ctx.message === "number") ctx.pipeTo(Promise.resolve(ctx.message + 1));
      else if (typeof ctx.message === "string") got.push(ctx.message);
    });
    piper.tell("go");
    await eventually("both results", () => got.length === 2);
    expect(got.sort()).toEqual([42, "failure:disk full"].sort());
  });
});
