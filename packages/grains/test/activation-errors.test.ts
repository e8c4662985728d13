import { InvalidOptionError } from "@tsakt/actor";
import { type Grain, GrainActivationError, GrainActivationTimeoutError, grainOf } from "@tsakt/grains";
import { eventually } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { deferred, rejection, startGrains } from "./helpers.js";

/** A kind whose first `failures` activations fail the way `fail` says; it records every hook call. */
function flakyKind(failures: number, fail: (attempt: number) => void | Promise<void>, log: string[]) {
  let attempts = 0;
  return {
    factory: (): Grain => {
      const attempt = ++attempts;
      return {
        onActivate: () => {
          log.push(`activate ${attempt}`);
          if (attempt <= failures) return fail(attempt);
        },
        onReceive: (ctx) => ctx.respond(`answer from attempt ${attempt}`),
        onDeactivate: () => void log.push(`deactivate ${attempt}`),
      };
    },
  };
}

describe("activation errors", () => {
  it("fails every waiting caller with GrainActivationError when onActivate throws, and retries on the next call", async () => {
    const log: string[] = [];
    const boom = new Error("database unreachable");
    const system = await startGrains({
      kinds: {
        account: flakyKind(
          1,
          () => {
            throw boom;
          },
          log,
        ),
      },
    });
    const account = grainOf(system, "account", "42");

    const errors = await Promise.all([1, 2, 3].map(() => rejection<GrainActivationError>(account.ask("hi"), "GrainActivation")));
    for (const error of errors) {
      expect(error).toBeInstanceOf(GrainActivationError);
      expect(error.kind).toBe("account");
      expect(error.id).toBe("42");
      expect(error.cause).toBe(boom);
      expect(error.message).toContain("database unreachable");
    }
    expect(log).toEqual(["activate 1"]);

    expect(await account.ask("hi")).toBe("answer from attempt 2");
    expect(log).toEqual(["activate 1", "activate 2"]);
  });

  it("treats a rejected async onActivate the same way", async () => {
    const log: string[] = [];
    const system = await startGrains({
      kinds: { account: flakyKind(2, async () => Promise.reject(new Error("not yet")), log) },
    });
    const account = grainOf(system, "account", "7");
    await rejection(account.ask("hi"), "GrainActivation");
    await rejection(account.ask("hi"), "GrainActivation");
    expect(await account.ask("hi")).toBe("answer from attempt 3");
    // A failed activation is not kept, so it is never deactivated either.
    expect(log).toEqual(["activate 1", "activate 2", "activate 3"]);
  });

  it("reports a factory that throws, or returns no grain, as GrainActivationError", async () => {
    const system = await startGrains({
      kinds: {
        throwing: {
          factory: () => {
            throw new Error("no instance");
          },
        },
        empty: { factory: () => ({}) as Grain },
      },
    });
    const thrown = await rejection<GrainActivationError>(grainOf(system, "throwing", "1").ask("hi"), "GrainActivation");
    expect((thrown.cause as Error).message).toBe("no instance");
    const empty = await rejection<GrainActivationError>(grainOf(system, "empty", "1").ask("hi"), "GrainActivation");
    expect(empty.cause).toBeInstanceOf(InvalidOptionError);
    expect((empty.cause as InvalidOptionError).field).toBe("factory");
  });

  it("turns tells to a grain that fails to activate into dead letters", async () => {
    const system = await startGrains({
      kinds: {
        broken: flakyKind(Infinity, () => {
          throw new Error("broken");
        }, []),
      },
    });
    const before = system.deadLetterCount;
    grainOf(system, "broken", "b").tell("one");
    grainOf(system, "broken", "b").tell("two");
    await eventually("two dead letters", () => system.deadLetterCount === before + 2);
  });

  it("fails an activation slower than activationTimeoutMs with GrainActivationTimeoutError, and retries on the next call", async () => {
    const log: string[] = [];
    const stuck = deferred();
    const system = await startGrains({
      kinds: { slow: { activationTimeoutMs: 50, ...flakyKind(1, () => stuck.promise, log) } },
    });
    const slow = grainOf(system, "slow", "s");

    const error = await rejection<GrainActivationTimeoutError>(slow.ask("hi"), "GrainActivationTimeout");
    expect(error).toBeInstanceOf(GrainActivationTimeoutError);
    expect(error.timeoutMs).toBe(50);
    expect(error.message).toContain("slow/s");

    expect(await slow.ask("hi")).toBe("answer from attempt 2");
    expect(log).toEqual(["activate 1", "activate 2"]);

    // The abandoned instance never serves a message; when its onActivate finally succeeds, it is deactivated.
    stuck.resolve();
    await eventually("the abandoned activation to be deactivated", () => log.includes("deactivate 1"));
    expect(await slow.ask("hi")).toBe("answer from attempt 2");
    expect(log).toEqual(["activate 1", "activate 2", "deactivate 1"]);
  });

  it("does not let a stuck activation hold up system.stop()", async () => {
    const system = await startGrains({
      kinds: {
        stuck: { activationTimeoutMs: 20, factory: () => ({ onActivate: () => new Promise<void>(() => {}), onReceive: () => {} }) },
      },
    });
    await rejection(grainOf(system, "stuck", "1").ask("hi"), "GrainActivationTimeout");
    const pending = grainOf(system, "stuck", "2").ask("hi");
    await system.stop();
    await rejection(pending, "SystemNotStarted");
  });
});

describe("message errors", () => {
  it("rejects an ask with the error onReceive threw and keeps the grain and its state", async () => {
    const lifecycle: string[] = [];
    const system = await startGrains({
      kinds: {
        picky: {
          factory: () => {
            let accepted = 0;
            return {
              onActivate: () => void lifecycle.push("activate"),
              onReceive: async (ctx) => {
                if (ctx.message === "bad") throw new RangeError("bad input");
                if (ctx.message === "bad-async") {
                  await Promise.resolve();
                  throw new TypeError("bad later");
                }
                ctx.respond(++accepted);
              },
            };
          },
        },
      },
    });
    const picky = grainOf(system, "picky", "p");
    expect(await picky.ask("ok")).toBe(1);
    await expect(picky.ask("bad")).rejects.toThrow(RangeError);
    await expect(picky.ask("bad-async")).rejects.toThrow(TypeError);
    picky.tell("bad");
    expect(await picky.ask("ok")).toBe(2);
    expect(lifecycle).toEqual(["activate"]);
  });
});
