import { isMessage } from "@bufbuild/protobuf";
import { CircuitBreaker, type CircuitState, InvalidOptionError, type PipeFailure, PipeFailureSchema } from "@tsakt/actor";
import { eventually, TestClock } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { startSystem } from "./helpers.js";

const boom = (): Promise<never> => Promise.reject(new Error("boom"));
const ok = (): Promise<string> => Promise.resolve("ok");

/** A promise with its settle functions, for tasks that finish when the test says. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("CircuitBreaker", () => {
  it("opens after failureThreshold consecutive failures, refuses calls without running them, and half-opens after resetTimeoutMs", async () => {
    const clock = new TestClock();
    const breaker = new CircuitBreaker({ failureThreshold: 3, resetTimeoutMs: 1_000, clock, name: "db" });
    const states: CircuitState[] = [];
    breaker.onStateChange((s) => states.push(s));
    for (let i = 0; i < 2; i++) await expect(breaker.call(boom)).rejects.toThrow("boom");
    expect(breaker.state).toBe("closed");
    await expect(breaker.call(ok)).resolves.toBe("ok");
    expect(breaker.failures).toBe(0);
    for (let i = 0; i < 3; i++) await expect(breaker.call(boom)).rejects.toThrow("boom");
    expect(breaker.state).toBe("open");
    let ran = 0;
    const refused = await breaker.call(() => Promise.resolve(++ran)).catch((e: unknown) => e);
    expect(ran).toBe(0);
    expect(refused).toMatchObject({ code: "CircuitOpen", circuit: "db", failures: 3, retryAfterMs: 1_000 });
    await clock.advance(999);
    expect(breaker.state).toBe("open");
    await clock.advance(1);
    expect(breaker.state).toBe("half-open");
    expect(states).toEqual(["open", "half-open"]);
  });

  it("lets one trial through when half-open: its success closes the circuit", async () => {
    const clock = new TestClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, resetTimeoutMs: 500, clock });
    await expect(breaker.call(boom)).rejects.toThrow();
    await clock.advance(500);
    const trial = deferred<string>();
    const first = breaker.call(() => trial.promise);
    // While the trial runs, others are refused at once.
    await expect(breaker.call(ok)).rejects.toMatchObject({ code: "CircuitOpen", retryAfterMs: 0 });
    trial.resolve("fine");
    await expect(first).resolves.toBe("fine");
    expect(breaker.state).toBe("closed");
    await expect(breaker.call(ok)).resolves.toBe("ok");
  });

  it("reopens for another resetTimeoutMs when the half-open trial fails", async () => {
    const clock = new TestClock();
    const breaker = new CircuitBreaker({ failureThreshold: 2, resetTimeoutMs: 500, clock });
    await expect(breaker.call(boom)).rejects.toThrow();
    await expect(breaker.call(boom)).rejects.toThrow();
    await clock.advance(500);
    expect(breaker.state).toBe("half-open");
    await expect(breaker.call(boom)).rejects.toThrow("boom");
    expect(breaker.state).toBe("open");
    await clock.advance(499);
    await expect(breaker.call(ok)).rejects.toMatchObject({ code: "CircuitOpen", retryAfterMs: 1 });
    await clock.advance(1);
    await expect(breaker.call(ok)).resolves.toBe("ok");
    expect(breaker.state).toBe("closed");
  });

  it("fails a call slower than callTimeoutMs with CircuitCallTimeoutError and counts it as a failure", async () => {
    const clock = new TestClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, callTimeoutMs: 200, clock, name: "slow" });
    const never = deferred<string>();
    const call = breaker.call(() => never.promise);
    const outcome = call.catch((e: unknown) => e);
    await clock.advance(200);
    expect(await outcome).toMatchObject({ code: "CircuitCallTimeout", circuit: "slow", timeoutMs: 200 });
    expect(breaker.state).toBe("open");
  });

  it("counts a task that throws synchronously as a failure, and calls made elsewhere through recordFailure/recordSuccess", async () => {
    const clock = new TestClock();
    const breaker = new CircuitBreaker({ failureThreshold: 2, resetTimeoutMs: 100, clock });
    await expect(
      breaker.call(() => {
        throw new TypeError("sync");
      }),
    ).rejects.toThrow("sync");
    breaker.recordFailure();
    expect(breaker.state).toBe("open");
    await clock.advance(100);
    breaker.recordSuccess();
    expect(breaker.state).toBe("closed");
  });

  it("rejects bad options with InvalidOptionError naming the field", () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0 })).toThrow(InvalidOptionError);
    expect(() => new CircuitBreaker({ failureThreshold: 1.5 })).toThrow(/failureThreshold/);
    expect(() => new CircuitBreaker({ resetTimeoutMs: -1 })).toThrow(/resetTimeoutMs/);
    expect(() => new CircuitBreaker({ callTimeoutMs: 0 })).toThrow(/callTimeoutMs/);
  });
});

describe("ctx.pipeTo with a timeout and a circuit breaker", () => {
  it("delivers a PipeFailure with code PipeTimeout when the task outlives timeoutMs, and drops its late result", async () => {
    const clock = new TestClock();
    const system = await startSystem({ clock });
    const got: unknown[] = [];
    const slow = deferred<string>();
    const fast = deferred<string>();
    const pid = await system.spawnFunc("piper", (ctx) => {
      if (ctx.message === "slow") ctx.pipeTo(slow.promise, undefined, { timeoutMs: 1_000 });
      else if (ctx.message === "fast") ctx.pipeTo(() => fast.promise, undefined, { timeoutMs: 1_000 });
      else if (typeof ctx.message === "string" || isMessage(ctx.message, PipeFailureSchema)) got.push(ctx.message);
    });
    pid.tell("slow");
    pid.tell("fast");
    fast.resolve("in time");
    await eventually("the fast result", () => got.length === 1);
    await clock.advance(999);
    expect(got).toEqual(["in time"]);
    await clock.advance(1);
    await eventually("the timeout", () => got.length === 2);
    const failure = got[1] as PipeFailure;
    expect(isMessage(failure, PipeFailureSchema)).toBe(true);
    expect(failure).toMatchObject({ name: "PipeTimeoutError", code: "PipeTimeout" });
    const before = system.deadLetterCount;
    slow.resolve("late");
    await eventually("the late result in dead letters", () => system.deadLetterCount === before + 1);
    expect(got).toHaveLength(2);
  });

  it("pipes a CircuitOpen failure without starting the task once the breaker opened, and the result again after the reset", async () => {
    const clock = new TestClock();
    const system = await startSystem({ clock });
    const breaker = new CircuitBreaker({ failureThreshold: 2, resetTimeoutMs: 5_000, clock });
    let started = 0;
    let healthy = false;
    const got: unknown[] = [];
    const pid = await system.spawnFunc("piper", (ctx) => {
      if (ctx.message === "call")
        ctx.pipeTo(
          () => {
            started++;
            return healthy ? Promise.resolve("ok") : Promise.reject(new Error("down"));
          },
          undefined,
          { breaker },
        );
      else if (isMessage(ctx.message, PipeFailureSchema)) got.push(ctx.message.code || ctx.message.message);
      else if (typeof ctx.message === "string") got.push(ctx.message);
    });
    // One at a time: calls made together would all find the circuit closed.
    for (let i = 1; i <= 3; i++) {
      pid.tell("call");
      await eventually(`outcome ${i}`, () => got.length === i);
    }
    expect(got).toEqual(["down", "down", "CircuitOpen"]);
    expect(started).toBe(2);
    healthy = true;
    await clock.advance(5_000);
    pid.tell("call");
    await eventually("the trial's result", () => got.length === 4);
    expect(got[3]).toBe("ok");
    expect(breaker.state).toBe("closed");
  });

  it("rejects a bad pipeTo timeoutMs with InvalidOptionError", async () => {
    const system = await startSystem();
    const errors: unknown[] = [];
    const pid = await system.spawnFunc("piper", (ctx) => {
      try {
        ctx.pipeTo(Promise.resolve(1), undefined, { timeoutMs: -5 });
      } catch (error) {
        errors.push(error);
      }
    });
    pid.tell("go");
    await eventually("the error", () => errors.length === 1);
    expect(errors[0]).toMatchObject({ code: "InvalidOption", field: "pipeTo.timeoutMs" });
  });
});
