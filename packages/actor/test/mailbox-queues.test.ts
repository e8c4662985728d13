// The mailbox classes on their own, driven the way a cell drives them (push, shift, sender, waitForSpace), against a
// plain array as the model. The actor-level tests in mailbox.test.ts show the same queues inside a running system.
import type { PID } from "@tsakt/actor";
import { seededRandom } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { BoundedMailbox } from "../src/mailbox/bounded.js";
import { FairMailbox } from "../src/mailbox/fair.js";
import type { Mailbox } from "../src/mailbox/mailbox.js";
import { PriorityMailbox } from "../src/mailbox/priority.js";
import { SpaceWaiters } from "../src/mailbox/space-waiters.js";
import { UnboundedMailbox } from "../src/mailbox/unbounded.js";
import type { RejectablePID } from "../src/pid.js";

const pid = (address: string): PID => ({ name: address, path: `/user/${address}`, address }) as PID;
const askPid = (address: string): RejectablePID => ({ ...pid(address), reject: () => undefined }) as RejectablePID;

/** Pushes and shifts at random (bursts long enough to cross segments) and checks order, senders and size. */
function checkFifo(box: Mailbox, seed: number, steps: number): void {
  const next = seededRandom(seed);
  const model: Array<[number, PID | undefined]> = [];
  let n = 0;
  const fail = (what: string, step: number, got: unknown, want: unknown): never => {
    throw new Error(`seed ${seed}, step ${step}: ${what} ${String(got)}, want ${String(want)}`);
  };
  for (let step = 0; step < steps; step++) {
    const burst = Math.floor(next() * (next() < 0.1 ? 3000 : 12));
    if (next() < 0.5) {
      for (let i = 0; i < burst; i++) {
        const sender = n % 3 === 0 ? undefined : pid(`s${n}`);
        box.pushForced(n, sender);
        model.push([n, sender]);
        n++;
      }
    } else {
      for (let i = 0; i < burst && model.length > 0; i++) {
        const [message, sender] = model.shift() as [number, PID | undefined];
        const got = box.shift();
        if (got !== message) fail("message", step, got, message);
        if (box.sender !== sender) fail("sender of", step, message, sender?.address);
      }
    }
    if (box.size !== model.length) fail("size", step, box.size, model.length);
  }
  while (model.length > 0) {
    const want = (model.shift() as [number, PID | undefined])[0];
    const got = box.shift();
    if (got !== want) fail("message (final drain)", steps, got, want);
  }
  expect(box.size).toBe(0);
}

describe("unbounded mailbox", () => {
  it("keeps order and senders through random pushes and shifts across its slot, first segment and spare segments", () => {
    for (const seed of [1, 2, 3, 4]) checkFifo(new UnboundedMailbox(), seed, 400);
  });

  it("keeps order when the queue empties inside a segment and fills again (indexes rewind)", () => {
    const box = new UnboundedMailbox();
    for (let round = 0; round < 5; round++) {
      // slot + 5 in the first segment, drain 4 (head and tail meet only at the end), then refill past the segment.
      for (let i = 0; i < 6; i++) box.push(round * 100 + i, undefined);
      for (let i = 0; i < 4; i++) expect(box.shift()).toBe(round * 100 + i);
      for (let i = 6; i < 20; i++) box.push(round * 100 + i, undefined);
      for (let i = 4; i < 20; i++) expect(box.shift()).toBe(round * 100 + i);
      expect(box.size).toBe(0);
    }
  });

  it("keeps order when a 2049th message lands in a reused spare segment", () => {
    const box = new UnboundedMailbox();
    let pushed = 0;
    let shifted = 0;
    // Fill slot + 8 + 1024 + some, drain past the first big segment so it becomes the spare, then fill again.
    const out: unknown[] = [];
    for (; pushed < 1500; pushed++) box.push(pushed, undefined);
    for (; shifted < 1100; shifted++) out.push(box.shift());
    for (; pushed < 4000; pushed++) box.push(pushed, undefined);
    for (; shifted < 4000; shifted++) out.push(box.shift());
    expect(out).toEqual(Array.from({ length: 4000 }, (_, i) => i));
    expect(box.size).toBe(0);
  });

  it("always accepts: push returns true, capacity is Infinity, overflow is backpressure, no waiting for space", () => {
    const box = new UnboundedMailbox();
    for (let i = 0; i < 100; i++) expect(box.push(i, undefined)).toBe(true);
    expect(box.capacity).toBe(Infinity);
    expect(box.overflow).toBe("backpressure");
    expect(box.waitForSpace()).toBeUndefined();
  });
});

describe("bounded mailbox", () => {
  it("refuses the message past its capacity, but a forced one (system notice) goes in anyway", () => {
    const box = new BoundedMailbox(3, "drop");
    expect([box.push(1, undefined), box.push(2, undefined), box.push(3, undefined)]).toEqual([true, true, true]);
    expect(box.push(4, undefined)).toBe(false);
    expect(box.size).toBe(3);
    box.pushForced(5, pid("sys"));
    expect(box.size).toBe(4);
    expect(box.push(6, undefined)).toBe(false);
    expect([box.shift(), box.shift(), box.shift(), box.shift()]).toEqual([1, 2, 3, 5]);
    expect(box.sender).toEqual(pid("sys"));
    expect(box.capacity).toBe(3);
    expect(box.overflow).toBe("drop");
  });

  it("keeps FIFO order and senders like the unbounded mailbox", () => {
    checkFifo(new BoundedMailbox(1_000_000, "backpressure"), 7, 300);
  });

  it("makes senders wait while full and wakes them one per freed slot, oldest first", async () => {
    const box = new BoundedMailbox(2, "backpressure");
    expect(box.waitForSpace()).toBeUndefined();
    box.push(1, undefined);
    expect(box.waitForSpace()).toBeUndefined();
    box.push(2, undefined);
    const woken: string[] = [];
    const a = box.waitForSpace()?.then(() => woken.push("a"));
    const b = box.waitForSpace()?.then(() => woken.push("b"));
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    box.shift();
    await a;
    await Promise.resolve();
    expect(woken).toEqual(["a"]);
    // Room now, but b still waits: a newcomer queues behind it rather than overtaking.
    expect(box.waitForSpace()).toBeDefined();
    box.push(3, undefined);
    box.shift();
    await b;
    expect(woken).toEqual(["a", "b"]);
  });

  it("does not wake a waiter when a shift leaves the mailbox still full (it was over capacity)", async () => {
    const box = new BoundedMailbox(1, "backpressure");
    box.push(1, undefined);
    box.pushForced(2, undefined);
    let woken = false;
    void box.waitForSpace()?.then(() => (woken = true));
    box.shift();
    await new Promise((r) => setImmediate(r));
    expect(woken).toBe(false);
    box.shift();
    await new Promise((r) => setImmediate(r));
    expect(woken).toBe(true);
  });

  it("releases every waiter when the actor stops", async () => {
    const box = new BoundedMailbox(1, "backpressure");
    box.push(1, undefined);
    const waits = [box.waitForSpace(), box.waitForSpace(), box.waitForSpace()];
    box.releaseWaiters();
    await Promise.all(waits);
    expect(waits.every((w) => w instanceof Promise)).toBe(true);
    // Nobody waits any more: once there is room, the next caller gets no promise.
    box.shift();
    expect(box.waitForSpace()).toBeUndefined();
  });
});

describe("space waiters", () => {
  it("gives no promise when there is room and nobody waits; otherwise queues the caller", () => {
    const waiters = new SpaceWaiters();
    expect(waiters.wait(true)).toBeUndefined();
    expect(waiters.wait(false)).toBeInstanceOf(Promise);
    expect(waiters.wait(true)).toBeInstanceOf(Promise);
  });

  it("wakes oldest first, one at a time, and forgets the queue once it is empty", async () => {
    const waiters = new SpaceWaiters();
    const order: number[] = [];
    const all = [0, 1, 2].map((i) => waiters.wait(false)?.then(() => order.push(i)));
    waiters.wakeOne();
    await all[0];
    expect(order).toEqual([0]);
    waiters.wakeOne();
    waiters.wakeOne();
    await Promise.all(all);
    expect(order).toEqual([0, 1, 2]);
    expect(waiters.wait(true)).toBeUndefined();
    waiters.wakeOne();
    waiters.wakeAll();
  });

  it("wakes everyone on wakeAll and then has nobody waiting", async () => {
    const waiters = new SpaceWaiters();
    const all = [waiters.wait(false), waiters.wait(false)];
    waiters.wakeAll();
    await Promise.all(all);
    expect(waiters.wait(true)).toBeUndefined();
  });
});

describe("priority mailbox", () => {
  const byValue = (a: unknown, b: unknown): number => (a as { p: number }).p - (b as { p: number }).p;

  it("hands out messages in comparator order through random pushes and shifts (the heap stays a heap)", () => {
    const next = seededRandom(11);
    const box = new PriorityMailbox(byValue, true);
    const model: Array<{ p: number; seq: number }> = [];
    let seq = 0;
    for (let step = 0; step < 3000; step++) {
      if (model.length === 0 || next() < 0.55) {
        const m = { p: Math.floor(next() * 20), seq: seq++ };
        box.push(m, pid(`s${m.seq}`));
        model.push(m);
      } else {
        model.sort((a, b) => a.p - b.p || a.seq - b.seq);
        const want = model.shift() as { p: number; seq: number };
        // Stable: equal priorities come out in arrival order, so the exact message is known.
        expect(box.shift()).toBe(want);
        expect(box.sender?.address).toBe(`s${want.seq}`);
      }
      expect(box.size).toBe(model.length);
    }
  });

  it("hands out the highest priority first when not stable too (order among equals is free)", () => {
    const next = seededRandom(12);
    const box = new PriorityMailbox(byValue, false);
    const ps: number[] = [];
    for (let i = 0; i < 500; i++) {
      const p = Math.floor(next() * 1000);
      box.push({ p }, undefined);
      ps.push(p);
    }
    ps.sort((a, b) => a - b);
    for (const p of ps) expect((box.shift() as { p: number }).p).toBe(p);
  });

  it("is unbounded and drops by default; with a capacity it refuses the next message", () => {
    const open = new PriorityMailbox(byValue, true);
    expect(open.capacity).toBe(Infinity);
    expect(open.overflow).toBe("drop");
    expect(open.waitForSpace()).toBeUndefined();
    const box = new PriorityMailbox(byValue, true, 2, "drop");
    expect(box.push({ p: 1 }, undefined)).toBe(true);
    expect(box.push({ p: 2 }, undefined)).toBe(true);
    expect(box.push({ p: 0 }, undefined)).toBe(false);
    expect(box.size).toBe(2);
    expect(box.waitForSpace()).toBeUndefined();
  });

  it("with backpressure, makes senders wait while full and wakes one per shift that frees a slot", async () => {
    const box = new PriorityMailbox(byValue, true, 2, "backpressure");
    const woken: number[] = [];
    expect(box.waitForSpace()).toBeUndefined();
    box.push({ p: 1 }, undefined);
    expect(box.waitForSpace()).toBeUndefined();
    box.push({ p: 2 }, undefined);
    // Exactly full: the sender waits.
    const first = box.waitForSpace()?.then(() => woken.push(1));
    expect(first).toBeInstanceOf(Promise);
    box.pushForced({ p: 3 }, undefined);
    const second = box.waitForSpace()?.then(() => woken.push(2));
    box.shift(); // 2 left: still full, nobody wakes
    await new Promise((r) => setImmediate(r));
    expect(woken).toEqual([]);
    box.shift();
    await first;
    expect(woken).toEqual([1]);
    box.releaseWaiters();
    await second;
    expect(woken).toEqual([1, 2]);
  });
});

describe("fair mailbox", () => {
  it("takes one message per sender in turn, keeping each sender's own order", () => {
    const box = new FairMailbox();
    const a = pid("a");
    const b = pid("b");
    for (let i = 0; i < 4; i++) box.push(`a${i}`, a);
    box.push("b0", b);
    box.push("b1", b);
    box.push("n0", undefined);
    const out: unknown[] = [];
    const senders: Array<string | undefined> = [];
    while (box.size > 0) {
      out.push(box.shift());
      senders.push(box.sender?.address);
    }
    expect(out).toEqual(["a0", "b0", "n0", "a1", "b1", "a2", "a3"]);
    expect(senders).toEqual(["a", "b", undefined, "a", "b", "a", "a"]);
  });

  it("puts asks (temporary senders) and sender-less messages in one shared lane", () => {
    const box = new FairMailbox();
    box.push("ask1", askPid("$ask/1"));
    box.push("ask2", askPid("$ask/2"));
    box.push("none", undefined);
    box.push("a0", pid("a"));
    expect([box.shift(), box.shift(), box.shift(), box.shift()]).toEqual(["ask1", "a0", "ask2", "none"]);
  });

  it("serves a sender again after its lane emptied, and keeps the turn order of lanes that stay busy", () => {
    const box = new FairMailbox();
    const a = pid("a");
    const b = pid("b");
    box.push("a0", a);
    expect(box.shift()).toBe("a0");
    expect(box.size).toBe(0);
    box.push("a1", a);
    box.push("b0", b);
    box.push("b1", b);
    box.push("a2", a);
    expect([box.shift(), box.shift(), box.shift(), box.shift()]).toEqual(["a1", "b0", "a2", "b1"]);
    box.push("b2", b);
    box.push("a3", a);
    expect([box.shift(), box.shift()]).toEqual(["b2", "a3"]);
    expect(box.size).toBe(0);
  });

  it("always accepts, with no capacity and no waiting", () => {
    const box = new FairMailbox();
    expect(box.push(1, undefined)).toBe(true);
    expect(box.capacity).toBe(Infinity);
    expect(box.overflow).toBe("backpressure");
    expect(box.waitForSpace()).toBeUndefined();
  });
});
