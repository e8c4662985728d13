import type { ClusterMember } from "@tsakt/cluster";
import { TestClock } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { gather } from "../src/replicator/gather.js";

const member = (name: string) => ({ name }) as ClusterMember;
const members = (...names: string[]) => names.map(member);

/** A peer's answer that the test settles by hand. */
interface Pending {
  readonly name: string;
  resolve(ok: boolean): void;
  reject(error: Error): void;
}

function peers() {
  const asked: Pending[] = [];
  const ask = (m: ClusterMember) => new Promise<boolean>((resolve, reject) => asked.push({ name: m.name, resolve, reject }));
  return { asked, ask, names: () => asked.map((p) => p.name) };
}

describe("gather: how writes and reads collect answers", () => {
  it("asks only as many nodes as it needs, and resolves once they answered", async () => {
    const clock = new TestClock();
    const p = peers();
    const outcome = gather({ candidates: members("b", "c", "d", "e"), needed: 2, timeoutMs: 1000, clock, ask: p.ask, accept: (ok) => ok });
    expect(p.names()).toEqual(["b", "c"]);
    p.asked[0]?.resolve(true);
    p.asked[1]?.resolve(true);
    expect(await outcome).toEqual({ ok: true, counted: 2, lastError: undefined });
    expect(p.names()).toEqual(["b", "c"]);
  });

  it("asks the next node for each one that fails or refuses, and asks a failed node again after a backoff", async () => {
    const clock = new TestClock();
    const p = peers();
    let settled = false;
    const outcome = gather({ candidates: members("b", "c", "d"), needed: 2, timeoutMs: 1000, clock, ask: p.ask, accept: (ok) => ok });
    void outcome.then(() => (settled = true));
    p.asked[0]?.reject(new Error("no replicator yet"));
    await clock.advance(0);
    expect(p.names()).toEqual(["b", "c", "d"]);
    p.asked[1]?.resolve(false);
    p.asked[2]?.resolve(true);
    await clock.advance(49);
    expect(settled).toBe(false);
    expect(p.names()).toEqual(["b", "c", "d"]);
    await clock.advance(1);
    expect(p.names()).toEqual(["b", "c", "d", "b"]);
    p.asked[3]?.resolve(true);
    expect(await outcome).toEqual({ ok: true, counted: 2, lastError: expect.objectContaining({ message: "no replicator yet" }) });
  });

  it("asks a node that keeps failing again with a doubling wait, and fails at the timeout with its last error", async () => {
    const clock = new TestClock();
    const p = peers();
    const t0 = clock.now();
    const outcome = gather({ candidates: members("b", "c"), needed: 2, timeoutMs: 1000, clock, ask: p.ask, accept: (ok) => ok });
    p.asked[1]?.resolve(true);
    const failures: number[] = [];
    let last = new Error("none");
    for (let i = 0; i < 5; i++) {
      last = new Error(`unreachable ${i}`);
      p.asked
        .filter((a) => a.name === "b")
        .at(-1)
        ?.reject(last);
      failures.push(clock.now() - t0);
      const before = p.names().length;
      while (p.names().length === before && clock.now() - t0 < 1000) await clock.advance(10);
    }
    // Asked again 50, 100, 200 and 400 ms after each failure; the fifth failure, at 750 ms, leaves too little time.
    expect(failures).toEqual([0, 50, 150, 350, 750]);
    expect(p.names().filter((n) => n === "b")).toHaveLength(5);
    expect(await outcome).toEqual({ ok: false, counted: 1, lastError: last });
  });

  it("fails once every candidate refused, without waiting for the timeout", async () => {
    const clock = new TestClock();
    const p = peers();
    const t0 = clock.now();
    const outcome = gather({ candidates: members("b", "c"), needed: 2, timeoutMs: 1000, clock, ask: p.ask, accept: (ok) => ok });
    p.asked[0]?.resolve(false);
    p.asked[1]?.resolve(true);
    expect(await outcome).toEqual({ ok: false, counted: 1, lastError: undefined });
    expect(clock.now()).toBe(t0);
  });

  it("asks every remaining node once a fifth of the time passed, and fails at the timeout", async () => {
    const clock = new TestClock();
    const p = peers();
    let settled = false;
    const outcome = gather({ candidates: members("b", "c", "d", "e"), needed: 2, timeoutMs: 1000, clock, ask: p.ask, accept: (ok) => ok });
    void outcome.then(() => (settled = true));
    await clock.advance(199);
    expect(p.names()).toEqual(["b", "c"]);
    await clock.advance(1);
    expect(p.names()).toEqual(["b", "c", "d", "e"]);
    p.asked[3]?.resolve(true);
    await clock.advance(799);
    expect(settled).toBe(false);
    await clock.advance(1);
    expect(await outcome).toMatchObject({ ok: false, counted: 1 });
  });

  it("needs no answer when nothing is needed, and fails at once when nobody can be asked", async () => {
    const clock = new TestClock();
    const p = peers();
    expect(await gather({ candidates: [], needed: 0, timeoutMs: 1000, clock, ask: p.ask, accept: () => true })).toMatchObject({ ok: true });
    expect(await gather({ candidates: [], needed: 1, timeoutMs: 1000, clock, ask: p.ask, accept: () => true })).toMatchObject({
      ok: false,
    });
  });
});
