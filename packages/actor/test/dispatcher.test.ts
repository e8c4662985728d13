// The dispatcher on its own, with plain Schedulables standing in for cells: order of turns, the ready queue's
// growth, the throughput budget, and the yield to the event loop that keeps timers and sockets alive.
import { describe, expect, it } from "vitest";
import { Dispatcher, type Schedulable } from "../src/dispatcher.js";

/** Bounds every loop that waits for the event loop to get a turn. */
const maxTurns = 5_000_000;

class Recorder implements Schedulable {
  scheduled = false;
  readonly budgets: number[] = [];
  constructor(
    readonly id: number,
    private readonly log: number[],
    private readonly processes = 1,
  ) {}
  runTurn(budget: number): number {
    expect(this.scheduled).toBe(false);
    this.budgets.push(budget);
    this.log.push(this.id);
    return this.processes;
  }
}

const immediate = (): Promise<void> => new Promise((r) => setImmediate(r));

describe("dispatcher", () => {
  it("runs turns in a microtask, not synchronously, and marks the actor scheduled until its turn", async () => {
    const dispatcher = new Dispatcher();
    const log: number[] = [];
    const a = new Recorder(1, log);
    dispatcher.schedule(a);
    expect(a.scheduled).toBe(true);
    expect(log).toEqual([]);
    await Promise.resolve();
    expect(log).toEqual([1]);
    expect(a.scheduled).toBe(false);
  });

  it("gives turns in scheduling order with the throughput budget (default 32) and counts what was processed", async () => {
    const log: number[] = [];
    const dispatcher = new Dispatcher();
    const actors = [1, 2, 3].map((id) => new Recorder(id, log, id * 10));
    for (const a of actors) dispatcher.schedule(a);
    await immediate();
    expect(log).toEqual([1, 2, 3]);
    expect(actors.map((a) => a.budgets)).toEqual([[32], [32], [32]]);
    expect(dispatcher.processed).toBe(60);
    const tuned = new Dispatcher({ throughput: 5, sliceMs: 10 });
    const b = new Recorder(4, log, 3);
    tuned.schedule(b);
    tuned.schedule(new Recorder(5, log, 2));
    await immediate();
    expect(b.budgets).toEqual([5]);
    expect(tuned.processed).toBe(5);
  });

  it("keeps the order when the ready queue grows past 1024 actors, also after its head has moved (wrapped)", async () => {
    for (const before of [0, 700]) {
      const log: number[] = [];
      const dispatcher = new Dispatcher({ sliceMs: 1_000_000 });
      for (let i = 0; i < before; i++) dispatcher.schedule(new Recorder(-1, []));
      await immediate();
      const ids = Array.from({ length: 2600 }, (_, i) => i);
      for (const id of ids) dispatcher.schedule(new Recorder(id, log));
      await immediate();
      expect(log).toEqual(ids);
    }
  });

  it("takes an actor that schedules itself during its turn once more in the same drain, after the others", async () => {
    const log: number[] = [];
    const dispatcher = new Dispatcher();
    let again = true;
    const a: Schedulable = {
      scheduled: false,
      runTurn: () => {
        log.push(1);
        if (again) {
          again = false;
          dispatcher.schedule(a);
        }
        return 1;
      },
    };
    dispatcher.schedule(a);
    dispatcher.schedule(new Recorder(2, log));
    await Promise.resolve();
    expect(log).toEqual([1, 2, 1]);
  });

  it("starts the first 15 drains of a slice in a microtask and the 16th, past sliceMs, from setImmediate", async () => {
    const dispatcher = new Dispatcher({ sliceMs: 0 });
    const log: number[] = [];
    // All in one macrotask, so the slice stays open: drain 1 opens it, drains 2 to 16 count, the 17th checks the clock.
    for (let i = 1; i <= 16; i++) {
      dispatcher.schedule(new Recorder(i, log));
      await Promise.resolve();
      expect(log).toHaveLength(i);
    }
    dispatcher.schedule(new Recorder(17, log));
    await Promise.resolve();
    await Promise.resolve();
    expect(log).toHaveLength(16);
    await immediate();
    expect(log).toHaveLength(17);
  });

  it("opens a fresh slice after the event loop had its turn, so an old slice's start does not count", async () => {
    const dispatcher = new Dispatcher({ sliceMs: 500 });
    const log: number[] = [];
    dispatcher.schedule(new Recorder(0, log));
    await immediate();
    const since = performance.now();
    await waitFor(() => performance.now() - since > 600);
    // A new slice: its 16th drain is well inside 500 ms of its start, so every drain here stays a microtask.
    for (let i = 1; i <= 17; i++) {
      dispatcher.schedule(new Recorder(i, log));
      await Promise.resolve();
      expect(log).toHaveLength(i + 1);
    }
  });

  it("leaves nothing pending when it stops for the event loop with an empty queue", async () => {
    const dispatcher = new Dispatcher({ sliceMs: 0 });
    const log: number[] = [];
    // 64 messages in one turn make the dispatcher look at the clock, past sliceMs 0: it stops, with nothing queued.
    dispatcher.schedule(new Recorder(1, log, 64));
    await Promise.resolve();
    expect(log).toEqual([1]);
    dispatcher.schedule(new Recorder(2, log));
    await Promise.resolve();
    expect(log).toEqual([1, 2]);
  });

  it("holds new work behind the pending setImmediate drain after it stopped for the event loop", async () => {
    const dispatcher = new Dispatcher({ sliceMs: 0 });
    const log: number[] = [];
    let turns = 0;
    const busy: Schedulable = {
      scheduled: false,
      runTurn: () => {
        log.push(turns++);
        if (turns < 2) dispatcher.schedule(busy);
        return 64;
      },
    };
    dispatcher.schedule(busy);
    await Promise.resolve();
    // One turn, then a stop for the event loop with busy queued again.
    expect(log).toEqual([0]);
    dispatcher.schedule(new Recorder(99, log));
    await Promise.resolve();
    await Promise.resolve();
    expect(log).toEqual([0]);
    // busy's second turn again runs 64 messages, so 99 may wait one more event-loop turn.
    await waitFor(() => log.length === 3);
    expect(log).toEqual([0, 1, 99]);
  });

  for (const [how, reschedule] of [
    ["inside one drain", (d: Dispatcher, a: Schedulable) => d.schedule(a)],
    ["from promise callbacks (a drain per microtask)", (d: Dispatcher, a: Schedulable) => void Promise.resolve().then(() => d.schedule(a))],
  ] as const)
    it(`yields to the event loop when an actor keeps itself busy ${how}, then goes on with it`, async () => {
      const dispatcher = new Dispatcher({ sliceMs: 1 });
      let eventLoopRan = false;
      let turns = 0;
      let turnsAfterEventLoop = 0;
      const busy: Schedulable = {
        scheduled: false,
        runTurn: () => {
          turns++;
          if (turns > maxTurns) throw new Error("the dispatcher never let the event loop run");
          if (eventLoopRan) turnsAfterEventLoop++;
          if (turnsAfterEventLoop < 3) reschedule(dispatcher, busy);
          return 1;
        },
      };
      setImmediate(() => (eventLoopRan = true));
      dispatcher.schedule(busy);
      await waitFor(() => turnsAfterEventLoop === 3);
      expect(dispatcher.processed).toBe(turns);
    });
});

/** Polls `condition` once per event-loop turn, for at most 5 s. */
async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met within 5 s");
    await immediate();
  }
}
