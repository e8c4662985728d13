// The remote node's table of asks waiting for a peer's answer, in-process over a real actor system's asks (the
// core's deadlines on a test clock): correlation ids, which answers count, and failing asks when a peer or the node
// goes away. The node-level tests (late-reply, messaging, watch-reconnect) show the same through sockets.
import { ActorSystem, AskTimeoutError } from "@tsakt/actor";
import { hostOf } from "@tsakt/actor/internal";
import { TestClock } from "@tsakt/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { type PendingAsk, PendingAsks } from "../src/node/pending-asks.js";

const systems: ActorSystem[] = [];
afterEach(async () => {
  for (const s of systems.splice(0)) await s.stop();
});

async function table(): Promise<{ asks: PendingAsks; clock: TestClock }> {
  const clock = new TestClock(0);
  const system = await ActorSystem.start({ name: "asks", clock });
  systems.push(system);
  return { asks: new PendingAsks(() => hostOf(system)), clock };
}

function created(result: PendingAsk | Error): PendingAsk {
  if (result instanceof Error) throw result;
  // Asks still waiting when the test's system stops fail then; the assertions await the outcomes they check.
  result.promise.catch(() => undefined);
  return result;
}

const peerA = { name: "a" };
const peerB = { name: "b" };

describe("pending remote asks", () => {
  it("numbers asks 1, 2, 3… and hands each answer to its own ask once", async () => {
    const { asks } = await table();
    const [a, b, c] = [1, 2, 3].map(() => created(asks.create(peerA, "tsakt://x@h:1/user/t", { timeoutMs: 1000 })));
    expect([a?.id, b?.id, c?.id]).toEqual([1, 2, 3]);
    expect(asks.size).toBe(3);
    expect(a?.target).toBe("tsakt://x@h:1/user/t");
    expect(asks.take(2)).toBe(b);
    expect(asks.take(2)).toBeUndefined();
    expect(asks.size).toBe(2);
    b?.resolve("two");
    expect(await b?.promise).toBe("two");
    expect(asks.take(99)).toBeUndefined();
    expect(asks.size).toBe(2);
  });

  it("forgets an ask when it settles on its own (timeout), and never gives its id to the next ask", async () => {
    const { asks, clock } = await table();
    const first = created(asks.create(peerA, "t", { timeoutMs: 1000 }));
    const outcome = first.promise.catch((e: unknown) => e);
    expect(first.remainingMs()).toBe(1000);
    await clock.advance(1000);
    expect(await outcome).toBeInstanceOf(AskTimeoutError);
    expect(asks.size).toBe(0);
    const second = created(asks.create(peerA, "t", { timeoutMs: 1000 }));
    expect(second.id).toBe(2);
    // The late answer for id 1 finds nothing; id 2 is still waiting.
    expect(asks.takeFrom(1, peerA)).toBeUndefined();
    expect(asks.size).toBe(1);
  });

  it("does not drop a newer ask when an older one under the same id settles late (only its own entry goes)", async () => {
    for (const metrics of [false, true]) {
      const { asks } = await table();
      if (metrics) asks.recordDuration = () => undefined;
      const old = created(asks.create(peerA, "t", { timeoutMs: 1000 }));
      expect(asks.take(old.id)).toBe(old);
      // Force the next id back onto the old one (as after a wrap of the 32-bit counter).
      (asks as unknown as { nextId: number }).nextId = old.id - 1;
      const reused = created(asks.create(peerA, "t", { timeoutMs: 1000 }));
      expect(reused.id).toBe(old.id);
      old.reject(new Error("settled late"));
      await old.promise.catch(() => undefined);
      expect(asks.size).toBe(1);
      expect(asks.take(old.id)).toBe(reused);
    }
  });

  it("wraps the id after 2^32 - 1 to 1 (never 0) and skips ids still in use", async () => {
    const { asks } = await table();
    const one = created(asks.create(peerA, "t", { timeoutMs: 1000 }));
    const two = created(asks.create(peerA, "t", { timeoutMs: 1000 }));
    expect([one.id, two.id]).toEqual([1, 2]);
    (asks as unknown as { nextId: number }).nextId = 0xffff_fffe;
    const last = created(asks.create(peerA, "t", { timeoutMs: 1000 }));
    expect(last.id).toBe(0xffff_ffff);
    const wrapped = created(asks.create(peerA, "t", { timeoutMs: 1000 }));
    expect(wrapped.id).toBe(3);
    const next = created(asks.create(peerA, "t", { timeoutMs: 1000 }));
    expect(next.id).toBe(4);
    expect(asks.size).toBe(5);
  });

  it("counts an answer only from the peer that was asked", async () => {
    const { asks } = await table();
    const toA = created(asks.create(peerA, "t", { timeoutMs: 1000 }));
    expect(asks.takeFrom(toA.id, peerB)).toBeUndefined();
    expect(asks.takeFrom(toA.id, undefined)).toBeUndefined();
    expect(asks.size).toBe(1);
    expect(asks.takeFrom(toA.id, peerA)).toBe(toA);
    expect(asks.size).toBe(0);
    expect(asks.takeFrom(toA.id, peerA)).toBeUndefined();
  });

  it("fails only the asks sent to a lost peer, each with its own error", async () => {
    const { asks } = await table();
    const a1 = created(asks.create(peerA, "t1", { timeoutMs: 1000 }));
    const b1 = created(asks.create(peerB, "t2", { timeoutMs: 1000 }));
    const a2 = created(asks.create(peerA, "t3", { timeoutMs: 1000 }));
    const outcomes = [a1, a2].map((a) => a.promise.catch((e: unknown) => e));
    asks.failPeer(peerA, (ask) => new Error(`lost ${ask.target}`));
    expect(((await outcomes[0]) as Error).message).toBe("lost t1");
    expect(((await outcomes[1]) as Error).message).toBe("lost t3");
    expect(asks.size).toBe(1);
    expect(asks.take(b1.id)).toBe(b1);
  });

  it("fails every ask when the node stops", async () => {
    const { asks } = await table();
    const all = [peerA, peerB, peerA].map((p) => created(asks.create(p, "t", { timeoutMs: 1000 })));
    const outcomes = all.map((a) => a.promise.catch((e: unknown) => e));
    asks.failAll((ask) => new Error(`stopped ${ask.id}`));
    expect((await Promise.all(outcomes)).map((e) => (e as Error).message)).toEqual(["stopped 1", "stopped 2", "stopped 3"]);
    expect(asks.size).toBe(0);
  });

  it("records each ask's time to settle when metrics are on, and still forgets it", async () => {
    const { asks, clock } = await table();
    const durations: number[] = [];
    asks.recordDuration = (ms) => durations.push(ms);
    const answered = created(asks.create(peerA, "t", { timeoutMs: 1000 }));
    const timedOut = created(asks.create(peerA, "t", { timeoutMs: 500 }));
    answered.resolve("ok");
    await answered.promise;
    expect(durations).toHaveLength(1);
    expect(asks.size).toBe(1);
    const outcome = timedOut.promise.catch((e: unknown) => e);
    await clock.advance(500);
    expect(await outcome).toBeInstanceOf(AskTimeoutError);
    expect(durations).toHaveLength(2);
    expect(durations.every((ms) => ms >= 0)).toBe(true);
    expect(asks.size).toBe(0);
  });

  it("returns the core's error for bad options instead of registering the ask", async () => {
    const { asks } = await table();
    const result = asks.create(peerA, "t", { timeoutMs: -1 });
    expect(result).toBeInstanceOf(Error);
    expect(asks.size).toBe(0);
  });
});
