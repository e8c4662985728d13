import { InvalidMessageError, InvalidNameError, InvalidOptionError } from "@tsakt/actor";
import { maxTopicLength, pubsub, pubsubOf } from "@tsakt/pubsub";
import { probe } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { startSystem } from "./helpers.js";

/** Runs `call` and returns the InvalidOptionError it throws or rejects with. */
async function optionError(call: () => unknown): Promise<InvalidOptionError> {
  try {
    await call();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    return error as InvalidOptionError;
  }
  throw new Error("expected an InvalidOptionError, but the call succeeded");
}

describe("topic names", () => {
  it.each([
    ["an empty name", "", "must not be empty"],
    ["a name with a space", "bad topic", "may use only letters"],
    ["a name that is too long", "t".repeat(maxTopicLength + 1), `at most ${maxTopicLength} characters`],
    ["a name that is not a string", 42 as unknown as string, "must be a string"],
  ])("rejects %s in subscribe, unsubscribe, publish and subscribers, naming the topic field", async (_, topic, reason) => {
    const system = await startSystem();
    const pubsub = pubsubOf(system);
    const reader = await probe(system);
    for (const call of [
      () => pubsub.subscribe(topic, reader.pid),
      () => pubsub.unsubscribe(topic, reader.pid),
      () => pubsub.publish(topic, "x"),
      () => pubsub.subscribers(topic),
    ]) {
      const error = await optionError(call);
      expect(error.field).toBe("topic");
      expect(error.message).toContain(reason);
    }
    expect(await pubsub.topics()).toEqual([]);
  });

  it("accepts hierarchical names with letters, digits and _ . ~ @ : / -", async () => {
    const system = await startSystem();
    const pubsub = pubsubOf(system);
    const reader = await probe(system);
    await pubsub.subscribe("orders/eu-west:v1.created_~@", reader.pid);
    expect(await pubsub.topics()).toEqual(["orders/eu-west:v1.created_~@"]);
  });
});

describe("other bad input", () => {
  it("rejects a subscriber that is not a PID, naming the pid field", async () => {
    const pubsub = pubsubOf(await startSystem());
    const error = await optionError(() => pubsub.subscribe("news", { address: "nope" } as never));
    expect(error.field).toBe("pid");
  });

  it("refuses to publish undefined or null", async () => {
    const pubsub = pubsubOf(await startSystem());
    expect(() => pubsub.publish("news", undefined)).toThrow(InvalidMessageError);
    expect(() => pubsub.deliverLocal("news", null)).toThrow(InvalidMessageError);
  });

  it("rejects unknown or wrong options, naming the field", async () => {
    expect((await optionError(async () => pubsub({ colour: "red" } as never))).field).toBe("colour");
    expect((await optionError(async () => pubsub({ askTimeoutMs: 0 }))).field).toBe("askTimeoutMs");
    expect((await optionError(async () => pubsub({ name: "" }))).field).toBe("name");
    await expect(startSystem([pubsub({ name: "no spaces" })])).rejects.toBeInstanceOf(InvalidNameError);
  });
});
