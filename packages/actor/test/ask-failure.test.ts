import { AskFailedError, isTsaktError } from "@tsakt/actor";
import { TestClock } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { startSystem } from "./helpers.js";

class QuotaError extends Error {
  readonly code = "QuotaExceeded";
  constructor() {
    super("quota of 3 reached");
    this.name = "QuotaError";
  }
}

describe("an ask whose handler throws", () => {
  it("rejects at once with AskFailedError carrying the cause's name, message and code (the 10 ms timeout never fires)", async () => {
    // The test clock is never advanced, so an AskTimeoutError is impossible: only the failure reply can settle the ask.
    const system = await startSystem({ clock: new TestClock() });
    const pid = await system.spawnFunc("thrower", (ctx) => {
      if (ctx.message === "boom") throw new QuotaError();
    });
    const error = await pid.ask("boom", { timeoutMs: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AskFailedError);
    expect(isTsaktError(error, "AskFailed")).toBe(true);
    const failed = error as AskFailedError;
    expect(failed.causeName).toBe("QuotaError");
    expect(failed.causeCode).toBe("QuotaExceeded");
    expect(failed.causeMessage).toBe("quota of 3 reached");
    expect(failed.cause).toBeInstanceOf(QuotaError);
    expect(failed.message).toContain("QuotaError [QuotaExceeded]: quota of 3 reached");
    expect(failed.target).toBe(pid.address);
  });

  it("rejects at once when an async handler rejects, and the restarted actor answers the next ask", async () => {
    const system = await startSystem({ clock: new TestClock() });
    const pid = await system.spawnFunc("async-thrower", async (ctx) => {
      await Promise.resolve();
      if (ctx.message === "boom") throw new TypeError("bad input");
      if (ctx.message === "ping") ctx.respond("pong");
    });
    const error = (await pid.ask("boom", { timeoutMs: 10 }).catch((e: unknown) => e)) as AskFailedError;
    expect(error).toBeInstanceOf(AskFailedError);
    expect(error.causeName).toBe("TypeError");
    expect(error.causeCode).toBe("");
    await expect(pid.ask("ping", { timeoutMs: 10 })).resolves.toBe("pong");
  });

  it("leaves an ask that was already answered resolved, and a thrown non-Error is named Error", async () => {
    const system = await startSystem({ clock: new TestClock() });
    const pid = await system.spawnFunc("answers-then-throws", (ctx) => {
      if (ctx.message === "answer") {
        ctx.respond("ok");
        throw new Error("after the reply");
      }
      if (ctx.message === "raw") throw "a string";
    });
    await expect(pid.ask("answer", { timeoutMs: 10 })).resolves.toBe("ok");
    const error = (await pid.ask("raw", { timeoutMs: 10 }).catch((e: unknown) => e)) as AskFailedError;
    expect(error.causeName).toBe("Error");
    expect(error.causeMessage).toBe("a string");
  });
});
