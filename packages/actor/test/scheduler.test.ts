import {
  type ActorSystem,
  type Deadletter,
  DeadletterSchema,
  InvalidMessageError,
  InvalidOptionError,
  type PID,
  PostStartSchema,
  SystemNotStartedError,
  schedulerOf,
} from "@tsakt/actor";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { flush, startSystem } from "./helpers.js";

const start = Date.parse("2025-01-01T00:00:00.000Z");

beforeEach(() => {
  // setImmediate stays real: the dispatcher yields through it, and actors must run while time is faked.
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
  vi.setSystemTime(start);
});

afterEach(() => {
  vi.useRealTimers();
});

/** A system with an actor that records every message it gets (and who sent it). */
async function withSink(): Promise<{ system: ActorSystem; sink: PID; got: unknown[]; senders: Array<PID | undefined> }> {
  const system = await startSystem();
  const got: unknown[] = [];
  const senders: Array<PID | undefined> = [];
  const sink = await system.spawnFunc("sink", (ctx) => {
    if (ctx.is(PostStartSchema)) return;
    got.push(ctx.message);
    senders.push(ctx.sender);
  });
  return { system, sink, got, senders };
}

/** Advances fake time by `ms`, then lets the actors process what was delivered. */
async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  await flush();
}

/** The field an InvalidOptionError thrown by `fn` names. */
function fieldRejected(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    return (error as InvalidOptionError).field;
  }
  throw new Error("expected InvalidOptionError, nothing was thrown");
}

describe("scheduler", () => {
  it("delivers a once message exactly once, after its delay", async () => {
    const { system, sink, got } = await withSink();
    const schedule = schedulerOf(system).once(1000, sink, "ping");
    expect(schedule.nextRunAt).toBe(start + 1000);
    await advance(999);
    expect(got).toEqual([]);
    await advance(1);
    expect(got).toEqual(["ping"]);
    await advance(10_000);
    expect(got).toEqual(["ping"]);
    expect(schedule.state).toBe("completed");
    expect(schedule.deliveries).toBe(1);
    expect(schedulerOf(system).list()).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("delivers an every message once per interval", async () => {
    const { system, sink, got } = await withSink();
    const schedule = schedulerOf(system).every(100, sink, "tick");
    await advance(1000);
    expect(got).toHaveLength(10);
    expect(schedule.deliveries).toBe(10);
    expect(schedule.nextRunAt).toBe(start + 1100);
  });

  it("starts an every schedule after initialDelayMs", async () => {
    const { system, sink, got } = await withSink();
    schedulerOf(system).every(100, sink, "tick", { initialDelayMs: 0 });
    await advance(0);
    expect(got).toHaveLength(1);
    await advance(1000);
    expect(got).toHaveLength(11);
  });

  it("skips the ticks that fall in a pause and keeps the interval's grid on resume", async () => {
    const { system, sink, got } = await withSink();
    const schedule = schedulerOf(system).every(100, sink, "tick");
    await advance(250);
    expect(got).toHaveLength(2);
    expect(schedule.pause()).toBe(true);
    expect(schedule.pause()).toBe(false);
    expect(schedule.state).toBe("paused");
    expect(schedule.nextRunAt).toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
    await advance(500);
    expect(got).toHaveLength(2);
    expect(schedule.resume()).toBe(true);
    expect(schedule.nextRunAt).toBe(start + 800);
    await advance(250);
    expect(got).toHaveLength(5);
    expect(schedulerOf(system).list()).toEqual([schedule]);
  });

  it("keeps the time left of a paused once message", async () => {
    const { system, sink, got } = await withSink();
    const schedule = schedulerOf(system).once(1000, sink, "ping");
    await advance(400);
    schedule.pause();
    await advance(5000);
    expect(got).toEqual([]);
    schedule.resume();
    await advance(599);
    expect(got).toEqual([]);
    await advance(1);
    expect(got).toEqual(["ping"]);
  });

  it("stops delivering once cancelled", async () => {
    const { system, sink, got } = await withSink();
    const schedule = schedulerOf(system).every(100, sink, "tick");
    await advance(300);
    expect(schedule.cancel()).toBe(true);
    await advance(1000);
    expect(got).toHaveLength(3);
    expect(schedule.state).toBe("cancelled");
    expect(schedule.cancel()).toBe(false);
    expect(schedule.resume()).toBe(false);
    expect(schedulerOf(system).list()).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("delivers a cron message at every match of a seconds pattern over a minute", async () => {
    const { system, sink, got } = await withSink();
    const schedule = schedulerOf(system).cron("*/5 * * * * *", sink, "beat");
    expect(schedule.nextRunAt).toBe(start + 5000);
    await advance(60_000);
    expect(got).toHaveLength(12);
    expect(schedule.nextRunAt).toBe(start + 65_000);
    expect(schedule.kind).toBe("cron");
  });

  it("reads a cron expression in the given time zone", async () => {
    const { system, sink, got } = await withSink();
    // 09:00 in Tokyo is 00:00 UTC; the start instant itself is not a future match.
    const schedule = schedulerOf(system).cron("0 0 9 * * *", sink, "morning", { timezone: "Asia/Tokyo" });
    expect(new Date(schedule.nextRunAt as number).toISOString()).toBe("2025-01-02T00:00:00.000Z");
    await advance(24 * 3600_000);
    expect(got).toEqual(["morning"]);
  });

  it("waits out delays longer than one timer can hold", async () => {
    const { system, sink, got } = await withSink();
    const thirtyDays = 30 * 24 * 3600_000;
    schedulerOf(system).once(thirtyDays, sink, "later");
    await advance(thirtyDays - 1);
    expect(got).toEqual([]);
    await advance(1);
    expect(got).toEqual(["later"]);
  });

  it("delivers with the given sender and id", async () => {
    const { system, sink, senders } = await withSink();
    const from = await system.spawnFunc("from", () => {});
    const schedule = schedulerOf(system).once(10, sink, "ping", { sender: from, id: "nightly" });
    expect(schedule.id).toBe("nightly");
    await advance(10);
    expect(senders).toEqual([from]);
  });

  it("cancels a schedule whose target stopped and dead-letters its message", async () => {
    const { system, sink, got } = await withSink();
    const letters: Deadletter[] = [];
    system.eventStream.subscribe(DeadletterSchema, (e) => letters.push(e));
    const schedule = schedulerOf(system).every(100, sink, "tick");
    await advance(100);
    await system.stopActor(sink);
    await advance(100);
    expect(got).toEqual(["tick"]);
    expect(schedule.state).toBe("cancelled");
    expect(letters).toHaveLength(1);
    expect(letters[0]?.receiver).toBe(sink.address);
    expect(letters[0]?.reason).toMatch(/scheduled target stopped/);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("clears every timer when the system stops", async () => {
    const { system, sink } = await withSink();
    const scheduler = schedulerOf(system);
    const schedules = [scheduler.once(1_000_000, sink, "a"), scheduler.every(100, sink, "b"), scheduler.cron("0 * * * *", sink, "c")];
    expect(vi.getTimerCount()).toBe(3);
    await system.stop();
    expect(vi.getTimerCount()).toBe(0);
    expect(schedules.map((s) => s.state)).toEqual(["cancelled", "cancelled", "cancelled"]);
    expect(() => scheduler.once(10, sink, "late")).toThrow(SystemNotStartedError);
  });

  it("gives one scheduler per system", async () => {
    const a = await startSystem();
    const b = await startSystem({ name: "other" });
    expect(schedulerOf(a)).toBe(schedulerOf(a));
    expect(schedulerOf(a)).not.toBe(schedulerOf(b));
  });

  it("rejects bad input with errors naming the field", async () => {
    const { system, sink } = await withSink();
    const s = schedulerOf(system);
    expect(fieldRejected(() => s.once(-1, sink, "m"))).toBe("delayMs");
    expect(fieldRejected(() => s.once(Number.NaN, sink, "m"))).toBe("delayMs");
    expect(fieldRejected(() => s.every(0, sink, "m"))).toBe("intervalMs");
    expect(fieldRejected(() => s.every(Infinity, sink, "m"))).toBe("intervalMs");
    expect(fieldRejected(() => s.every(100, sink, "m", { initialDelayMs: -5 }))).toBe("initialDelayMs");
    expect(fieldRejected(() => s.cron("every five seconds", sink, "m"))).toBe("expression");
    expect(fieldRejected(() => s.cron("61 * * * *", sink, "m"))).toBe("expression");
    expect(fieldRejected(() => s.cron("2025-06-01T10:00:00", sink, "m"))).toBe("expression");
    expect(fieldRejected(() => s.cron("0 0 0 1 1 * 2000", sink, "m"))).toBe("expression");
    expect(fieldRejected(() => s.cron("* * * * *", sink, "m", { timezone: "Mars/Olympus" }))).toBe("timezone");
    expect(fieldRejected(() => s.once(10, {} as PID, "m"))).toBe("target");
    expect(fieldRejected(() => s.once(10, sink, "m", { every: 5 } as object))).toBe("every");
    s.once(10, sink, "m", { id: "job" });
    expect(fieldRejected(() => s.once(10, sink, "m", { id: "job" }))).toBe("id");
    expect(() => s.once(10, sink, undefined)).toThrow(InvalidMessageError);
    expect(s.list().map((x) => x.id)).toEqual(["job"]);
  });
});
