import { isMessage } from "@bufbuild/protobuf";
import { ActorStartedSchema, ActorStoppedSchema, type Deadletter, DeadletterSchema } from "@tsakt/actor";
import { eventually } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { startSystem } from "./helpers.js";

describe("event stream", () => {
  it("publishes lifecycle events to callback subscribers, filtered by schema", async () => {
    const system = await startSystem();
    const started: string[] = [];
    const all: unknown[] = [];
    const unsubscribe = system.eventStream.subscribe(ActorStartedSchema, (e) => started.push(e.address));
    system.eventStream.subscribe((e) => all.push(e));
    const pid = await system.spawnFunc("a", () => {});
    await system.stopActor(pid);
    unsubscribe();
    await system.spawnFunc("b", () => {});
    expect(started).toEqual([pid.address]);
    expect(all.filter((e) => isMessage(e, ActorStoppedSchema))).toHaveLength(1);
    expect(all.filter((e) => isMessage(e, ActorStartedSchema))).toHaveLength(2);
  });

  it("iterates events asynchronously until the signal aborts", async () => {
    const system = await startSystem();
    const controller = new AbortController();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const event of system.eventStream.events({ signal: controller.signal })) {
        if (isMessage(event, DeadletterSchema)) seen.push(event.reason);
      }
    })();
    const pid = await system.spawnFunc("x", (ctx) => void (ctx.message === "?" && ctx.unhandled()));
    pid.tell("?");
    await eventually("1 messages seen", () => seen.length === 1);
    controller.abort();
    await reading;
    expect(seen).toEqual(["unhandled"]);
    expect(system.eventStream.subscriberCount).toBe(0);
  });

  it("records dead letters for messages to stopped actors, with sender and receiver", async () => {
    const system = await startSystem();
    const letters: Deadletter[] = [];
    system.eventStream.subscribe(DeadletterSchema, (d) => letters.push(d));
    const target = await system.spawnFunc("target", () => {});
    const sender = await system.spawnFunc("sender", (ctx) => void (ctx.message === "send" && ctx.tell(target, "late")));
    await system.stopActor(target);
    sender.tell("send");
    await eventually("a dead letter", () => letters.length === 1);
    expect(letters[0]).toMatchObject({ sender: sender.address, receiver: target.address, messageType: "string", reason: "actor stopped" });
    expect(system.deadLetterCount).toBe(1);
  });

  it("keeps delivering to others when a subscriber throws", async () => {
    const system = await startSystem();
    const seen: unknown[] = [];
    system.eventStream.subscribe(() => {
      throw new Error("bad subscriber");
    });
    system.eventStream.subscribe((e) => seen.push(e));
    await system.spawnFunc("x", () => {});
    expect(seen).toHaveLength(1);
  });
});
