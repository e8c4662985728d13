import { create } from "@bufbuild/protobuf";
import { anyPack, StringValueSchema } from "@bufbuild/protobuf/wkt";
import { ActorSystem, DeadletterSchema, silentLogger } from "@tsakt/actor";
import { MemoryNetwork } from "@tsakt/discovery";
import { clusterPubSub } from "@tsakt/pubsub/cluster";
import { PublicationSchema } from "@tsakt/pubsub/internal";
import { remoteOf } from "@tsakt/remote";
import { eventually, probe } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { allMembers, interestKnown, startNode, startNodes } from "./cluster-helpers.js";

const text = (value: string) => create(StringValueSchema, { value });
const textOf = (message: unknown) => (message as { value: string }).value;

describe("pub/sub across a cluster over TCP", () => {
  it("delivers a publication on A exactly once to subscribers on A, B and C, with the publisher as sender", async () => {
    const [a, b, c] = await startNodes("a", "b", "c");
    const onA = await probe(a!.system);
    const onB = [await probe(b!.system), await probe(b!.system)];
    const onC = await probe(c!.system);
    await a!.pubsub.subscribe("news", onA.pid);
    for (const p of onB) await b!.pubsub.subscribe("news", p.pid);
    await c!.pubsub.subscribe("news", onC.pid);
    await interestKnown(a!, "news", b!, c!);

    const publisher = await probe(a!.system);
    a!.pubsub.publish("news", text("hello"), publisher.pid);
    for (const p of [onA, ...onB, onC]) {
      await p.expectMessageMatching((m, sender) => textOf(m) === "hello" && sender?.address === publisher.pid.address);
      await p.expectNoMessage(200);
    }
  });

  it("drops a publication whose message id a node already delivered", async () => {
    const [a, b] = await startNodes("a", "b");
    const reader = await probe(b!.system);
    await b!.pubsub.subscribe("news", reader.pid);
    await interestKnown(a!, "news", b!);
    for (const value of ["one", "two", "three"]) a!.pubsub.publish("news", text(value));
    expect((await reader.receiveN(3)).map(textOf)).toEqual(["one", "two", "three"]);

    // Replays of A's ids 1 to 3, as a retry after a reconnect would send them, then A's next id and a new publisher.
    const gateway = remoteOf(a!.system).pidOf(`${b!.cluster.self.address}/system/pubsub-gateway`);
    const publication = (publisher: string, seq: number, value: string) =>
      create(PublicationSchema, { topic: "news", publisher, seq, payload: anyPack(StringValueSchema, text(value)) });
    for (const seq of [2, 1, 3, 2]) gateway.tell(publication(a!.pubsub.publisherId, seq, `replay ${seq}`));
    gateway.tell(publication(a!.pubsub.publisherId, 4, "four"));
    gateway.tell(publication(a!.pubsub.publisherId, 4, "four again"));
    gateway.tell(publication("x#1", 2, "another publisher's 2"));
    gateway.tell(publication("x#1", 2, "another publisher's 2 again"));
    expect((await reader.receiveN(2)).map(textOf)).toEqual(["four", "another publisher's 2"]);
    await reader.expectNoMessage(200);
  });

  it("turns a peer's unreadable publications into dead letters and goes on delivering", async () => {
    const [a, b] = await startNodes("a", "b");
    const reader = await probe(b!.system);
    await b!.pubsub.subscribe("news", reader.pid);
    const reasons: string[] = [];
    b!.system.eventStream.subscribe(DeadletterSchema, (d) => reasons.push(d.reason));
    const gateway = remoteOf(a!.system).pidOf(`${b!.cluster.self.address}/system/pubsub-gateway`);
    const payload = anyPack(StringValueSchema, text("fine"));
    gateway.tell(create(PublicationSchema, { topic: "not a topic!", publisher: "x#1", seq: 1, payload }));
    gateway.tell(
      create(PublicationSchema, { topic: "news", publisher: "x#1", seq: 2, payload: { typeUrl: "type.googleapis.com/acme.Unknown" } }),
    );
    gateway.tell(create(PublicationSchema, { topic: "news", publisher: "x#1", seq: 3, payload }));
    await reader.expectMessage(text("fine"));
    expect(reasons).toEqual([expect.stringContaining("topic"), expect.stringContaining("acme.Unknown")]);
  });

  it("keeps each publisher's order at every subscriber across nodes for 500 messages", async () => {
    const [a, b, c] = await startNodes("a", "b", "c");
    const onB = await probe(b!.system);
    const onC = await probe(c!.system);
    await b!.pubsub.subscribe("ticks", onB.pid);
    await c!.pubsub.subscribe("ticks", onC.pid);
    await interestKnown(a!, "ticks", b!, c!);
    await interestKnown(b!, "ticks", c!);

    // Two publishers interleave: each one's sequence must arrive in order, once.
    const expected = Array.from({ length: 500 }, (_, i) => `${i}`);
    for (let i = 0; i < 500; i++) {
      a!.pubsub.publish("ticks", text(`a${i}`));
      b!.pubsub.publish("ticks", text(`b${i}`));
    }
    for (const reader of [onB, onC]) {
      const got = (await reader.receiveN(1000, 10_000)).map(textOf);
      expect(got.filter((v) => v.startsWith("a")).map((v) => v.slice(1))).toEqual(expected);
      expect(got.filter((v) => v.startsWith("b")).map((v) => v.slice(1))).toEqual(expected);
      await reader.expectNoMessage(100);
    }
  });

  it("stops B's deliveries when B's subscriber unsubscribes, and stops sending to B once A learns it", async () => {
    const [a, b, c] = await startNodes("a", "b", "c");
    const onB = await probe(b!.system);
    const onC = await probe(c!.system);
    await b!.pubsub.subscribe("news", onB.pid);
    await c!.pubsub.subscribe("news", onC.pid);
    await interestKnown(a!, "news", b!, c!);
    a!.pubsub.publish("news", text("before"));
    await onB.expectMessage(text("before"));
    await onC.expectMessage(text("before"));

    await b!.pubsub.unsubscribe("news", onB.pid);
    a!.pubsub.publish("news", text("after"));
    await onC.expectMessage(text("after"));
    await eventually("a to learn b lost interest", () => !a!.pubsub.nodesInterestedIn("news").includes("b"));
    expect(a!.pubsub.nodesInterestedIn("news")).toEqual(["c"]);
    a!.pubsub.publish("news", text("later"));
    await onC.expectMessage(text("later"));
    await onB.expectNoMessage(200);
  });

  it("stops delivering to a node that leaves, and keeps serving the others", async () => {
    const [a, b, c] = await startNodes("a", "b", "c");
    const onB = await probe(b!.system);
    const onC = await probe(c!.system);
    await b!.pubsub.subscribe("news", onB.pid);
    await c!.pubsub.subscribe("news", onC.pid);
    await interestKnown(a!, "news", b!, c!);

    await c!.system.stop();
    await eventually("a to see c leave", () => a!.cluster.members().length === 2);
    expect(a!.pubsub.nodesInterestedIn("news")).toEqual(["b"]);
    for (let i = 0; i < 10; i++) a!.pubsub.publish("news", text(`m${i}`));
    expect((await onB.receiveN(10)).map(textOf)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
  });

  it("records a dead letter on the publishing node when no node has subscribers", async () => {
    const [a] = await startNodes("a", "b");
    let deadLetters = 0;
    a!.system.eventStream.subscribe(DeadletterSchema, () => deadLetters++);
    a!.pubsub.publish("nobody", text("lost"));
    await a!.pubsub.topics();
    expect(deadLetters).toBe(1);
  });
});

describe("cluster pub/sub membership and misuse", () => {
  it("tells a node that joins later which topics the others subscribe to, and delivers its publications", async () => {
    const discovery = new MemoryNetwork();
    const a = await startNode("a", discovery);
    const onA = await probe(a.system);
    await a.pubsub.subscribe("news", onA.pid);
    const b = await startNode("b", discovery);
    await allMembers([a, b]);
    await interestKnown(b, "news", a);
    b.pubsub.publish("news", text("from the newcomer"));
    await onA.expectMessage(text("from the newcomer"));
  });

  it("delivers a message that cannot cross nodes to local subscribers only", async () => {
    const [a, b] = await startNodes("a", "b");
    const onA = await probe(a!.system);
    const onB = await probe(b!.system);
    await a!.pubsub.subscribe("news", onA.pid);
    await b!.pubsub.subscribe("news", onB.pid);
    await interestKnown(a!, "news", b!);
    a!.pubsub.publish("news", "a plain string");
    await onA.expectMessage("a plain string");
    await onB.expectNoMessage(200);
  });

  it("needs the cluster plugin and checks its options, naming the field", async () => {
    await expect(ActorSystem.start({ name: "alone", logger: silentLogger, plugins: [clusterPubSub()] })).rejects.toMatchObject({
      code: "PluginNotInstalled",
      plugin: "remoting",
    });
    for (const [options, field] of [
      [{ dedupWindow: 0 }, "dedupWindow"],
      [{ interestSyncIntervalMs: -1 }, "interestSyncIntervalMs"],
      [{ types: "StringValue" }, "types"],
      [{ fanOut: {} }, "fanOut"],
    ] as const)
      expect(() => clusterPubSub(options as never)).toThrow(expect.objectContaining({ name: "InvalidOptionError", field }));
  });
});
