import { grains } from "@tsakt/grains";
import { eventually } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import type { HoldRequest, Noted, NoteRequest, PeekRequest, Released } from "./gen/contracts/test/v1/fixture_pb.js";
import { Gate, type GateHandlers } from "./gen/contracts/test/v1/fixture_tsakt.js";
import { latch, rejection, start } from "./helpers.js";

/** Gate handlers: hold and peek wait for the test to release their latch; every step goes to `log`. */
class GateState implements GateHandlers<unknown> {
  readonly log: string[] = [];
  private readonly latches = new Map<string, ReturnType<typeof latch>>();
  private readonly notes: string[] = [];

  release(name: string): void {
    this.latch(name).release();
  }

  async hold(request: HoldRequest): Promise<{ latch: string }> {
    return this.wait("hold", request.latch);
  }

  async peek(request: PeekRequest): Promise<{ latch: string }> {
    return this.wait("peek", request.latch);
  }

  note(request: NoteRequest): { texts: string[] } {
    this.log.push(`note ${request.text}`);
    this.notes.push(request.text);
    return { texts: [...this.notes] };
  }

  private async wait(method: string, name: string): Promise<{ latch: string }> {
    this.log.push(`${method} ${name} start`);
    await this.latch(name).promise;
    this.log.push(`${method} ${name} end`);
    if (name.startsWith("fail")) throw new Error(`${name} failed`);
    return { latch: name };
  }

  private latch(name: string): ReturnType<typeof latch> {
    let l = this.latches.get(name);
    if (l === undefined) this.latches.set(name, (l = latch()));
    return l;
  }
}

/** Lets the dispatcher deliver what was sent (it drains mail in slices between event-loop turns); no timing involved. */
async function delivered(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Tracks whether a call settled. */
function track<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  return { promise, settled: () => done };
}

/** Starts a system that serves `state` as a Gate grain or actor; returns a client of it. */
const hosts: Array<[string, (state: GateState) => Promise<Gate>]> = [
  ["a grain", async (state) => Gate.of(await start([grains({ kinds: { [Gate.kind]: Gate.grain(() => state) } })]), "g")],
  [
    "an actor",
    async (state) =>
      Gate.at(
        await (await start()).spawn(
          "gate",
          Gate.actor(() => state),
        ),
      ),
  ],
];

describe.each(hosts)("reentrant methods of %s", (_, host) => {
  it("lets other messages run while a reentrant method awaits", async () => {
    const state = new GateState();
    const gate = await host(state);
    const peek = track(gate.peek({ latch: "a" }));
    const noted: Noted = await gate.note({ text: "x" });
    expect(noted.texts).toEqual(["x"]);
    expect(peek.settled()).toBe(false);
    state.release("a");
    const released: Released = await peek.promise;
    expect(released.latch).toBe("a");
    expect(state.log).toEqual(["peek a start", "note x", "peek a end"]);
  });

  it("holds every later message while a non-reentrant method awaits, then runs them in order", async () => {
    const state = new GateState();
    const gate = await host(state);
    const hold = track(gate.hold({ latch: "b" }));
    await eventually("hold to start", () => state.log.includes("hold b start"));
    const peek = track(gate.peek({ latch: "c" }));
    const note = track(gate.note({ text: "y" }));
    await delivered();
    expect(state.log).toEqual(["hold b start"]);
    expect(note.settled()).toBe(false);
    state.release("b");
    await hold.promise;
    // Peek went first and awaits its latch; being reentrant, it lets the note run.
    expect((await note.promise).texts).toEqual(["y"]);
    expect(peek.settled()).toBe(false);
    state.release("c");
    await peek.promise;
    expect(state.log).toEqual(["hold b start", "hold b end", "peek c start", "note y", "peek c end"]);
  });

  it("fails the ask of a reentrant method with its handler's error", async () => {
    const state = new GateState();
    const gate = await host(state);
    const peek = gate.peek({ latch: "fail-1" });
    await eventually("peek to start", () => state.log.includes("peek fail-1 start"));
    state.release("fail-1");
    expect((await rejection(peek)).message).toBe("fail-1 failed");
    expect((await gate.note({ text: "after" })).texts).toEqual(["after"]);
  });
});

describe("a contract's grain kind", () => {
  it("is reentrant when a method is, and not otherwise", () => {
    expect(Gate.grain(() => new GateState()).reentrant).toBe(true);
    expect(Gate.contract.reentrant).toBe(true);
  });
});

describe("a held message of a reentrant grain", () => {
  it("waits for the non-reentrant one before it even starts, so unblocking preserves order", async () => {
    const state = new GateState();
    const gate = await (hosts[0] as (typeof hosts)[0])[1](state);
    const hold = gate.hold({ latch: "h" });
    const notes = ["1", "2", "3"].map((text) => gate.note({ text }));
    await delivered();
    state.release("h");
    await hold;
    expect((await Promise.all(notes)).map((n) => n.texts.join(""))).toEqual(["1", "12", "123"]);
    expect(state.log).toEqual(["hold h start", "hold h end", "note 1", "note 2", "note 3"]);
  });
});
