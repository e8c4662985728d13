import { create } from "@bufbuild/protobuf";
import { InvalidOptionError, isTsaktError, PipeFailureSchema, TerminatedSchema } from "@tsakt/actor";
import { defaultTimeoutMs, ProbeExpectationError, ProbeTimeoutError, probe } from "@tsakt/testkit";
import { afterEach, describe, expect, it, vi } from "vitest";
import { rejectionOf, startSystem } from "./helpers.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("expectMessage", () => {
  it("returns the next message and does not count the probe's own PostStart", async () => {
    const p = await probe(await startSystem());
    await p.expectNoMessage(30);
    p.pid.tell("hello");
    expect(await p.expectMessage()).toBe("hello");
  });

  it("accepts a deeply equal message, protobuf or plain", async () => {
    const p = await probe(await startSystem());
    p.pid.tell(create(TerminatedSchema, { address: "tsakt://x/user/a" }));
    p.pid.tell({ order: 7, lines: ["a", "b"] });
    const got = await p.expectMessage(create(TerminatedSchema, { address: "tsakt://x/user/a" }));
    expect(got).toEqual(create(TerminatedSchema, { address: "tsakt://x/user/a" }));
    await p.expectMessage({ order: 7, lines: ["a", "b"] });
  });

  it("throws ProbeExpectationError showing what was expected and what arrived", async () => {
    const p = await probe(await startSystem(), "picky");
    p.pid.tell({ order: 8 });
    const error = await rejectionOf(p.expectMessage({ order: 7 }));
    expect(error).toBeInstanceOf(ProbeExpectationError);
    expect(isTsaktError(error, "ProbeExpectation")).toBe(true);
    expect(error.message).toBe("probe picky expected { order: 7 } but received { order: 8 }: not deeply equal");
  });

  it("throws ProbeTimeoutError naming the expectation when nothing arrives in time", async () => {
    const p = await probe(await startSystem(), "idle");
    const error = await rejectionOf(p.expectMessage("ping", 40));
    expect(error).toBeInstanceOf(ProbeTimeoutError);
    expect(isTsaktError(error, "ProbeTimeout")).toBe(true);
    expect(error.message).toContain("probe idle timed out after 40 ms expecting 'ping'; received nothing");
  });

  it("waits 3000 ms by default, or the probe's timeoutMs", async () => {
    expect(defaultTimeoutMs).toBe(3000);
    const p = await probe(await startSystem(), undefined, { timeoutMs: 30 });
    const error = await rejectionOf(p.expectMessage());
    expect(error).toBeInstanceOf(ProbeTimeoutError);
    expect((error as ProbeTimeoutError).timeoutMs).toBe(30);
  });

  it("rejects a timeout that is not a positive number with InvalidOptionError naming timeoutMs", async () => {
    const system = await startSystem();
    const p = await probe(system);
    const error = await rejectionOf(p.expectMessage(undefined, -1));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).field).toBe("timeoutMs");
    await expect(probe(system, undefined, { timeoutMs: 0 })).rejects.toThrow(/invalid option timeoutMs/);
  });
});

describe("expectMessageOfType", () => {
  it("returns the next message typed by its schema", async () => {
    const p = await probe(await startSystem());
    p.pid.tell(create(TerminatedSchema, { address: "tsakt://x/user/gone" }));
    const terminated = await p.expectMessageOfType(TerminatedSchema);
    expect(terminated.address).toBe("tsakt://x/user/gone");
  });

  it("fails when the next message is of another type, naming both", async () => {
    const p = await probe(await startSystem());
    p.pid.tell(create(PipeFailureSchema, { message: "boom" }));
    const error = await rejectionOf(p.expectMessageOfType(TerminatedSchema));
    expect(error).toBeInstanceOf(ProbeExpectationError);
    expect(error.message).toContain("expected a tsakt.actor.v1.Terminated message but received");
    expect(error.message).toContain("tsakt.actor.v1.PipeFailure");
  });
});

describe("expectMessageMatching", () => {
  it("returns the next message when the predicate accepts it", async () => {
    const p = await probe(await startSystem());
    p.pid.tell(42);
    const isNumber = (m: unknown): m is number => typeof m === "number";
    const n: number = await p.expectMessageMatching(isNumber);
    expect(n).toBe(42);
  });

  it("fails when the predicate rejects the next message, naming the predicate", async () => {
    const p = await probe(await startSystem());
    p.pid.tell(41);
    const isEven = (m: unknown) => typeof m === "number" && m % 2 === 0;
    const error = await rejectionOf(p.expectMessageMatching(isEven));
    expect(error).toBeInstanceOf(ProbeExpectationError);
    expect(error.message).toContain("expected a message matching isEven but received 41");
  });
});

describe("expectNoMessage", () => {
  it("passes when nothing arrives for the given time", async () => {
    const p = await probe(await startSystem());
    await expect(p.expectNoMessage(30)).resolves.toBeUndefined();
  });

  it("fails as soon as a message arrives, before its time is up", async () => {
    // Fake setTimeout never fires on its own here: only the message can end the wait.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const p = await probe(await startSystem());
    const waiting = rejectionOf(p.expectNoMessage(60_000));
    p.pid.tell("surprise");
    const error = await waiting;
    expect(error).toBeInstanceOf(ProbeExpectationError);
    expect(error.message).toContain("expected no message for 60000 ms but received 'surprise'");
  });
});

describe("receiveN", () => {
  it("returns the next n messages in arrival order", async () => {
    const p = await probe(await startSystem());
    for (let i = 1; i <= 5; i++) p.pid.tell(i);
    expect(await p.receiveN(3)).toEqual([1, 2, 3]);
    expect(await p.receiveN(2)).toEqual([4, 5]);
  });

  it("times out listing the messages that did arrive", async () => {
    const p = await probe(await startSystem(), "short");
    p.pid.tell("a");
    p.pid.tell("b");
    const error = await rejectionOf(p.receiveN(3, 40));
    expect(error).toBeInstanceOf(ProbeTimeoutError);
    expect(error.message).toContain("expecting 3 messages; received 2 messages: 'a', 'b'");
  });

  it("rejects a count that is not a positive whole number, naming n", async () => {
    const p = await probe(await startSystem());
    const error = await rejectionOf(p.receiveN(0));
    expect((error as InvalidOptionError).field).toBe("n");
  });
});
