import { create } from "@bufbuild/protobuf";
import { type Deadletter, DeadletterSchema, TerminatedSchema } from "@tsakt/actor";
import { pubsubOf, SubscribeAckSchema, SubscribeSchema, UnsubscribeAckSchema, UnsubscribeSchema } from "@tsakt/pubsub";
import { probe } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { startSystem } from "./helpers.js";

describe("publish and subscribe", () => {
  it("fans a publication out to every subscriber of its topic and no other", async () => {
    const system = await startSystem();
    const pubsub = pubsubOf(system);
    const readers = [await probe(system), await probe(system), await probe(system)];
    const other = await probe(system);
    for (const reader of readers) await pubsub.subscribe("news", reader.pid);
    await pubsub.subscribe("sports", other.pid);
    pubsub.publish("news", "extra!");
    for (const reader of readers) await reader.expectMessage("extra!");
    await other.expectNoMessage(30);
  });

  it("delivers with the publisher as sender", async () => {
    const system = await startSystem();
    const pubsub = pubsubOf(system);
    const publisher = await probe(system);
    const reader = await probe(system);
    await pubsub.subscribe("news", reader.pid);
    pubsub.publish("news", "hello", publisher.pid);
    await reader.expectMessage("hello");
    expect(reader.lastSender).toBe(publisher.pid);
  });

  it("delivers once to an actor that subscribed twice", async () => {
    const system = await startSystem();
    const pubsub = pubsubOf(system);
    const reader = await probe(system);
    await pubsub.subscribe("news", reader.pid);
    await pubsub.subscribe("news", reader.pid);
    pubsub.publish("news", 1);
    await reader.expectMessage(1);
    await reader.expectNoMessage(30);
    expect(await pubsub.subscribers("news")).toEqual([reader.pid]);
  });

  it("applies a subscription before a publication made after it, even without awaiting the ack", async () => {
    const system = await startSystem();
    const pubsub = pubsubOf(system);
    const reader = await probe(system);
    const ack = pubsub.subscribe("news", reader.pid);
    pubsub.publish("news", "first");
    await reader.expectMessage("first");
    await ack;
  });

  it("keeps each publisher's messages in the order published", async () => {
    const system = await startSystem();
    const pubsub = pubsubOf(system);
    const [a, b, reader] = [await probe(system, "a"), await probe(system, "b"), await probe(system)];
    await pubsub.subscribe("ticks", reader.pid);
    for (let i = 0; i < 200; i++) {
      pubsub.publish("ticks", { from: "a", i }, a.pid);
      pubsub.publish("ticks", { from: "b", i }, b.pid);
    }
    const got = (await reader.receiveN(400)) as Array<{ from: string; i: number }>;
    const sequence = Array.from({ length: 200 }, (_, i) => i);
    expect(got.filter((m) => m.from === "a").map((m) => m.i)).toEqual(sequence);
    expect(got.filter((m) => m.from === "b").map((m) => m.i)).toEqual(sequence);
  });
});

describe("unsubscribe and dead subscribers", () => {
  it("stops delivery to an unsubscribed actor while others keep receiving", async () => {
    const system = await startSystem();
    const pubsub = pubsubOf(system);
    const leaving = await probe(system);
    const staying = await probe(system);
    await pubsub.subscribe("news", leaving.pid);
    await pubsub.subscribe("news", staying.pid);
    await pubsub.unsubscribe("news", leaving.pid);
    pubsub.publish("news", "after");
    await staying.expectMessage("after");
    await leaving.expectNoMessage(30);
    expect(await pubsub.subscribers("news")).toEqual([staying.pid]);
  });

  it("forgets a topic whose last subscriber left", async () => {
    const system = await startSystem();
    const pubsub = pubsubOf(system);
    const reader = await probe(system);
    await pubsub.subscribe("b-news", reader.pid);
    await pubsub.subscribe("a-news", reader.pid);
    expect(await pubsub.topics()).toEqual(["a-news", "b-news"]);
    await pubsub.unsubscribe("a-news", reader.pid);
    expect(await pubsub.topics()).toEqual(["b-news"]);
  });

  it("removes a stopped subscriber from every topic on its own", async () => {
    const system = await startSystem();
    const pubsub = pubsubOf(system);
    const doomed = await probe(system);
    const survivor = await probe(system);
    await pubsub.subscribe("news", doomed.pid);
    await pubsub.subscribe("weather", doomed.pid);
    await pubsub.subscribe("news", survivor.pid);
    await doomed.stop();
    // Terminated reached the mediator while the actor stopped, so it is handled before this query.
    expect(await pubsub.subscribers("news")).toEqual([survivor.pid]);
    expect(await pubsub.topics()).toEqual(["news"]);
  });
});

describe("acknowledgements", () => {
  it("resolves subscribe and unsubscribe with acks naming the topic and the subscriber", async () => {
    const system = await startSystem();
    const pubsub = pubsubOf(system);
    const reader = await probe(system);
    const subscribed = await pubsub.subscribe("news", reader.pid);
    expect(subscribed).toEqual(create(SubscribeAckSchema, { topic: "news", subscriber: reader.pid.address }));
    const unsubscribed = await pubsub.unsubscribe("news", reader.pid);
    expect(unsubscribed).toEqual(create(UnsubscribeAckSchema, { topic: "news", subscriber: reader.pid.address }));
  });

  it("lets an actor subscribe itself with a Subscribe message and sends it the ack", async () => {
    const system = await startSystem();
    const pubsub = pubsubOf(system);
    const reader = await probe(system);
    reader.send(pubsub.mediator, create(SubscribeSchema, { topic: "news" }));
    expect((await reader.expectMessageOfType(SubscribeAckSchema)).subscriber).toBe(reader.pid.address);
    pubsub.publish("news", "via message");
    await reader.expectMessage("via message");
    reader.send(pubsub.mediator, create(UnsubscribeSchema, { topic: "news" }));
    expect((await reader.expectMessageOfType(UnsubscribeAckSchema)).topic).toBe("news");
    expect(await pubsub.topics()).toEqual([]);
  });

  it("drops a Subscribe message with an invalid topic to dead letters without an ack", async () => {
    const system = await startSystem();
    const pubsub = pubsubOf(system);
    const reader = await probe(system);
    const dead: Deadletter[] = [];
    system.eventStream.subscribe(DeadletterSchema, (d) => dead.push(d));
    reader.send(pubsub.mediator, create(SubscribeSchema, { topic: "bad topic" }));
    await reader.expectNoMessage(30);
    expect(dead.map((d) => d.messageType)).toEqual(["tsakt.pubsub.v1.Subscribe"]);
  });
});

describe("dead letters", () => {
  it("turns a publication on a topic without subscribers into a dead letter naming the topic", async () => {
    const system = await startSystem();
    const pubsub = pubsubOf(system);
    const publisher = await probe(system);
    const dead: Deadletter[] = [];
    system.eventStream.subscribe(DeadletterSchema, (d) => dead.push(d));
    pubsub.publish("void", create(TerminatedSchema, { address: "x" }), publisher.pid);
    await pubsub.topics();
    expect(dead).toEqual([
      create(DeadletterSchema, {
        sender: publisher.pid.address,
        receiver: pubsub.mediator.address,
        messageType: "tsakt.actor.v1.Terminated",
        reason: 'no subscribers for topic "void"',
      }),
    ]);
  });
});

describe("the mediator", () => {
  it("runs under /system, once per system, and pubsubOf returns it", async () => {
    const system = await startSystem();
    const first = pubsubOf(system);
    expect(pubsubOf(system)).toBe(first);
    expect(first.mediator.path).toBe("/system/pubsub");
  });
});
