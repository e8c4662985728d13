import { create } from "@bufbuild/protobuf";
import { AskTimeoutError, InvalidOptionError } from "@tsakt/actor";
import { MissingHandlerError } from "@tsakt/contracts";
import { type GrainActivationError, type GrainContext, type GrainReceiveContext, grainOf, grains } from "@tsakt/grains";
import { eventually } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { AddRequestSchema, CountSchema, GetRequestSchema } from "./gen/contracts/test/v1/fixture_pb.js";
import { Counter } from "./gen/contracts/test/v1/fixture_tsakt.js";
import { CounterState, deadLetters, latch, rejection, start, tsaktRejection } from "./helpers.js";

describe("a generated grain contract", () => {
  it("answers asks through the handlers, by identity, with a reply of the declared type", async () => {
    const states = new Map<string, CounterState>();
    const system = await start([
      grains({
        kinds: {
          [Counter.kind]: Counter.grain((identity) => {
            const state = new CounterState();
            states.set(identity.id, state);
            return state;
          }),
        },
      }),
    ]);
    const ada = Counter.of(system, "ada");
    const reply = await ada.add({ by: 5n });
    expect(reply.$typeName).toBe("contracts.test.v1.Count");
    expect(reply.value).toBe(5n);
    expect((await ada.add(create(AddRequestSchema, { by: 2n }))).value).toBe(7n);
    // An async handler; a request without fields may be left out.
    expect((await ada.get()).value).toBe(7n);
    // Another identity is another grain.
    expect((await Counter.of(system, "bob").get()).value).toBe(0n);
    expect(states.get("ada")?.calls).toEqual(["add 5", "add 2", "get"]);
    expect([...states.keys()].sort()).toEqual(["ada", "bob"]);
  });

  it("tells rpcs that return Empty, and asks one marked tell: false until its handler finished", async () => {
    const state = new CounterState();
    const system = await start([grains({ kinds: { [Counter.kind]: Counter.grain(() => state) } })]);
    const counter = Counter.of(system, "c");
    expect(counter.bump()).toBe(true);
    expect(counter.bump({})).toBe(true);
    const flushed = await counter.flush();
    expect(flushed.$typeName).toBe("google.protobuf.Empty");
    // Tells and the ask come from one sender, so they ran in order, and the ask resolved after its handler finished.
    expect(state.calls).toEqual(["bump", "bump", "flush", "flushed"]);
    expect(state.value).toBe(2n);
  });

  it("is the same grain a hand-written ask reaches: messages are the rpcs' request types", async () => {
    const system = await start([grains({ kinds: { [Counter.kind]: Counter.grain(() => new CounterState()) } })]);
    await Counter.of(system, "same").add({ by: 3n });
    const reply = await grainOf(system, "counter", "same").ask(create(GetRequestSchema));
    expect(reply).toEqual(create(CountSchema, { value: 3n }));
    expect(Counter.at(grainOf(system, "counter", "same")).$pid.address).toBe(grainOf(system, "counter", "same").address);
  });

  it("rejects an ask with the handler's error, thrown or rejected, and keeps the grain's state", async () => {
    const system = await start([grains({ kinds: { [Counter.kind]: Counter.grain(() => new CounterState()) } })]);
    const counter = Counter.of(system, "f");
    await counter.add({ by: 1n });
    expect((await rejection(counter.fail({ message: "overdrawn" }))).message).toBe("overdrawn");
    expect((await rejection(counter.fail({ message: "later", async: true }))).message).toBe("later");
    expect((await counter.get()).value).toBe(1n);
  });

  it("sends a message that is no request of the service to dead letters, or to onOther when the handlers have one", async () => {
    const system = await start([
      grains({
        kinds: {
          [Counter.kind]: Counter.grain(() => new CounterState()),
          other: Counter.grain(() => {
            const state = new CounterState();
            return Object.assign(state, {
              onOther(ctx: GrainReceiveContext) {
                if (ctx.message === "tick") state.value += 10n;
              },
            });
          }),
        },
      }),
    ]);
    const letters = deadLetters(system);
    const plain = grainOf(system, "counter", "p");
    plain.tell("hello");
    plain.tell(create(CountSchema, { value: 1n }));
    await eventually("two dead letters", () => letters.length === 2);
    expect(letters.map((l) => [l.messageType, l.reason, l.receiver])).toEqual([
      ["string", "unhandled", plain.address],
      ["contracts.test.v1.Count", "unhandled", plain.address],
    ]);
    // Unhandled asks get no reply, as from an actor's ctx.unhandled().
    await expect(plain.ask("hello", { timeoutMs: 50 })).rejects.toBeInstanceOf(AskTimeoutError);

    const withOther = grainOf(system, "other", "o");
    withOther.tell("tick");
    expect((await Counter.at(withOther).get()).value).toBe(10n);
    expect(letters).toHaveLength(3);
  });

  it("runs onActivate and onDeactivate of the handlers, and timer messages go to onOther", async () => {
    const log: string[] = [];
    const system = await start([
      grains({
        kinds: {
          [Counter.kind]: Counter.grain(
            (identity) =>
              new (class extends CounterState {
                onActivate(ctx: GrainContext) {
                  log.push(`activate ${ctx.identity.id}`);
                  ctx.timers.once(1, "timer");
                }
                onOther(ctx: GrainReceiveContext) {
                  log.push(`other ${String(ctx.message)}`);
                }
                onDeactivate() {
                  log.push(`deactivate ${identity.id}`);
                }
              })(),
            { idleMs: 50 },
          ),
        },
      }),
    ]);
    await Counter.of(system, "h").add({ by: 1n });
    await eventually("idle deactivation", () => log.includes("deactivate h"));
    expect(log).toEqual(["activate h", "other timer", "deactivate h"]);
  });

  it("fails activation with MissingHandlerError when the factory's handlers lack an rpc", async () => {
    const system = await start([
      grains({
        kinds: {
          // Deliberately incomplete, as a JavaScript caller could make it.
          [Counter.kind]: Counter.grain(() => ({ add: () => ({ value: 1n }) }) as unknown as CounterState),
        },
      }),
    ]);
    const error = (await tsaktRejection(Counter.of(system, "m").add({ by: 1n }), "GrainActivation")) as GrainActivationError;
    expect(error.cause).toBeInstanceOf(MissingHandlerError);
    expect((error.cause as MissingHandlerError).method).toBe("get");
    expect((error.cause as Error).message).toContain("contracts.test.v1.Counter");
  });

  it("honours per-call options: timeoutMs and signal", async () => {
    const gate = latch();
    const system = await start([
      grains({
        kinds: {
          [Counter.kind]: Counter.grain(() => Object.assign(new CounterState(), { get: () => gate.promise.then(() => ({ value: 0n })) })),
        },
      }),
    ]);
    const counter = Counter.of(system, "slow");
    await tsaktRejection(counter.get({}, { timeoutMs: 30 }), "AskTimeout");
    const controller = new AbortController();
    const asked = counter.add({ by: 1n }, { signal: controller.signal });
    controller.abort();
    await tsaktRejection(asked, "AskAborted");
    // The held get finishes, so the grain can stop.
    gate.release();
  });

  it("rejects grain options the .proto decides, naming the field", () => {
    const field = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        if (error instanceof InvalidOptionError) return error.field;
        throw error;
      }
      return "nothing thrown";
    };
    expect(field(() => Counter.grain(() => new CounterState(), { reentrant: true } as never))).toBe("options.reentrant");
    expect(field(() => Counter.grain("nope" as never))).toBe("factory");
    // Other options reach grains(), which checks them like any kind's.
    expect(field(() => grains({ kinds: { counter: Counter.grain(() => new CounterState(), { idleMs: -1 }) } }))).toBe(
      "kinds.counter.idleMs",
    );
  });
});
