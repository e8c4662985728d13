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

  it("asks the next node for each one that fails or refuses, and reports the last failure", async () => {
    const clock = new TestClock();
    const p = peers();
    const outcome = gather({ candidates: members("b", "c", "d"), needed: 2, timeoutMs: 1000, clock, ask: p.ask, accept: (ok) => ok });
    const boom = new Error("unreachable");
    p.asked[0]?.reject(boom);
    await Promise.resolve();
    await Promise.resolve();
    expect(p.names()).toEqual(["b", "c", "d"]);
    p.asked[1]?.resolve(false);
    p.asked[2]?.resolve(true);
    expect(await outcome).toEqual({ ok: false, counted: 1, lastError: boom });
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
