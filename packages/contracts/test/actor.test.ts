import { create } from "@bufbuild/protobuf";
import { type Context, isTsaktError, type ReceiveContext } from "@tsakt/actor";
import { MissingHandlerError } from "@tsakt/contracts";
import { eventually } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { CountSchema } from "./gen/contracts/test/v1/fixture_pb.js";
import { Counter } from "./gen/contracts/test/v1/fixture_tsakt.js";
import { CounterState, deadLetters, rejection, start } from "./helpers.js";

describe("a generated actor contract", () => {
  it("serves a spawned actor through the handlers, reached by PID and by name", async () => {
    const system = await start();
    const state = new CounterState();
    const pid = await system.spawn(
      "counter",
      Counter.actor(() => state),
    );
    expect((await Counter.at(pid).add({ by: 4n })).value).toBe(4n);
    const byName = await Counter.named(system, "counter");
    expect(byName.$pid.address).toBe(pid.address);
    expect(byName.bump()).toBe(true);
    expect((await byName.get()).value).toBe(5n);
    expect((await byName.flush()).$typeName).toBe("google.protobuf.Empty");
    expect(state.calls).toEqual(["add 4", "bump", "get", "flush", "flushed"]);
    await expect(Counter.named(system, "nobody")).rejects.toSatisfy((e) => isTsaktError(e, "ActorNotFound"));
  });

  it("fails the ask at once with the handler's error, then lets the supervisor restart the actor", async () => {
    const system = await start();
    let made = 0;
    const counter = Counter.at(
      await system.spawn(
        "failing",
        Counter.actor(() => {
          made++;
          return new CounterState();
        }),
      ),
    );
    await counter.add({ by: 3n });
    // With the default 5 s ask timeout, a rejection within the test's bounds is the handler's error, not a timeout.
    expect((await rejection(counter.fail({ message: "thrown" }, { timeoutMs: 5000 }))).message).toBe("thrown");
    expect((await rejection(counter.fail({ message: "rejected", async: true }))).message).toBe("rejected");
    // Each failure restarted the actor with a fresh instance (the default supervisor), so the count starts over.
    expect((await counter.get()).value).toBe(0n);
    expect(made).toBe(3);
  });

  it("sends other messages to ctx.unhandled (a dead letter), or to onOther when the handlers have one", async () => {
    const system = await start();
    const letters = deadLetters(system);
    const plain = await system.spawn(
      "plain",
      Counter.actor(() => new CounterState()),
    );
    plain.tell(create(CountSchema, { value: 1n }));
    await eventually("a dead letter", () => letters.length === 1);
    expect(letters[0]?.reason).toBe("unhandled");
    expect(letters[0]?.messageType).toBe("contracts.test.v1.Count");

    const seen: unknown[] = [];
    const hooks: string[] = [];
    const withOther = await system.spawn(
      "other",
      Counter.actor(() =>
        Object.assign(new CounterState(), {
          preStart: (ctx: Context) => void hooks.push(`preStart ${ctx.self.name}`),
          onOther: (ctx: ReceiveContext) => void seen.push(ctx.message),
          postStop: (ctx: Context) => void hooks.push(`postStop ${ctx.self.name}`),
        }),
      ),
    );
    withOther.tell("ping");
    await Counter.at(withOther).get();
    // The first message every actor gets is PostStart; onOther sees it too.
    expect(seen.map((m) => (typeof m === "string" ? m : (m as { $typeName: string }).$typeName))).toEqual([
      "tsakt.actor.v1.PostStart",
      "ping",
    ]);
    await system.stop();
    expect(hooks).toEqual(["preStart other", "postStop other"]);
    expect(letters).toHaveLength(1);
  });

  it("fails the spawn when the factory's handlers lack an rpc", async () => {
    const system = await start();
    const error = await rejection(
      system.spawn(
        "broken",
        Counter.actor(() => ({}) as CounterState),
      ),
    );
    const cause = error instanceof MissingHandlerError ? error : (error as Error & { cause?: unknown }).cause;
    expect(cause).toBeInstanceOf(MissingHandlerError);
    expect((cause as MissingHandlerError).method).toBe("add");
  });
});
