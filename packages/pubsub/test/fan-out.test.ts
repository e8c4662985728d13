import { DeadletterSchema, type PID } from "@tsakt/actor";
import { pubsubOf } from "@tsakt/pubsub";
import { type PubSubFanOut, pubsubWithFanOut } from "@tsakt/pubsub/internal";
import { probe } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { startSystem } from "./helpers.js";

/** An in-memory stand-in for the cluster's fan-out: records calls and reports `peers` nodes reached. */
class RecordingFanOut implements PubSubFanOut {
  readonly interest: Array<[string, boolean]> = [];
  readonly published: Array<{ topic: string; message: unknown; sender: PID | undefined }> = [];
  constructor(private readonly peers: number) {}

  interestChanged(topic: string, interested: boolean): void {
    this.interest.push([topic, interested]);
  }

  publish(topic: string, message: unknown, sender: PID | undefined): number {
    this.published.push({ topic, message, sender });
    return this.peers;
  }
}

describe("the cluster fan-out seam", () => {
  it("reports a node's interest when its first subscriber of a topic arrives and its last one leaves or stops", async () => {
    const fanOut = new RecordingFanOut(0);
    const system = await startSystem([pubsubWithFanOut(fanOut)]);
    const pubsub = pubsubOf(system);
    const [a, b] = [await probe(system), await probe(system)];
    await pubsub.subscribe("news", a.pid);
    await pubsub.subscribe("news", b.pid);
    await pubsub.unsubscribe("news", a.pid);
    await b.stop();
    await pubsub.topics();
    expect(fanOut.interest).toEqual([
      ["news", true],
      ["news", false],
    ]);
  });

  it("hands local publications to the fan-out, with no dead letter when it reached other nodes", async () => {
    const fanOut = new RecordingFanOut(2);
    const system = await startSystem([pubsubWithFanOut(fanOut)]);
    const pubsub = pubsubOf(system);
    const publisher = await probe(system);
    let deadLetters = 0;
    system.eventStream.subscribe(DeadletterSchema, () => deadLetters++);
    pubsub.publish("news", "to the cluster", publisher.pid);
    await pubsub.topics();
    expect(fanOut.published).toEqual([{ topic: "news", message: "to the cluster", sender: publisher.pid }]);
    expect(deadLetters).toBe(0);
  });

  it("delivers a publication from another node locally without sending it back out", async () => {
    const fanOut = new RecordingFanOut(1);
    const system = await startSystem([pubsubWithFanOut(fanOut)]);
    const pubsub = pubsubOf(system);
    const reader = await probe(system);
    await pubsub.subscribe("news", reader.pid);
    pubsub.deliverLocal("news", "from a peer");
    await reader.expectMessage("from a peer");
    expect(fanOut.published).toEqual([]);
  });

  it("keeps delivering locally when the fan-out throws", async () => {
    const fanOut: PubSubFanOut = {
      interestChanged: () => {
        throw new Error("cluster down");
      },
      publish: () => {
        throw new Error("cluster down");
      },
    };
    const system = await startSystem([pubsubWithFanOut(fanOut)]);
    const pubsub = pubsubOf(system);
    const reader = await probe(system);
    await pubsub.subscribe("news", reader.pid);
    pubsub.publish("news", "still here");
    await reader.expectMessage("still here");
  });
});
