import { create } from "@bufbuild/protobuf";
import { type Any, anyPack, file_google_protobuf_wrappers, StringValueSchema } from "@bufbuild/protobuf/wkt";
import { ActorSystem } from "@tsakt/actor";
import { cluster, clusterOf } from "@tsakt/cluster";
import { StaticDiscoveryProvider } from "@tsakt/discovery-static";
import { clusterPubSub, clusterPubSubOf } from "@tsakt/pubsub/cluster";
import { PublicationSchema } from "@tsakt/pubsub/internal";
import { remoteOf, remoting } from "@tsakt/remote";
import { freePort } from "@tsakt/test-cluster";
import { eventually, probe } from "@tsakt/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { NodeMetrics } from "./node-metrics.js";

const running: Array<{ system: ActorSystem; metrics: NodeMetrics }> = [];
afterEach(async () => {
  for (const n of running.splice(0)) {
    await n.system.stop();
    await n.metrics.provider.shutdown();
  }
});

const news = (text: string) => create(StringValueSchema, { value: text });

describe("pub/sub metrics", () => {
  it("match the publications, deliveries, drops and subscriptions of two nodes", async () => {
    const ports = [await freePort(), await freePort()];
    const peers = ports.map((p) => `127.0.0.1:${p}`);
    for (const port of ports) {
      const metrics = new NodeMetrics();
      const system = await ActorSystem.start({
        name: "pubsub-metrics",
        metrics: { meter: metrics.provider.getMeter("test") },
        plugins: [
          remoting({ host: "127.0.0.1", port, types: [file_google_protobuf_wrappers] }),
          cluster({ discovery: new StaticDiscoveryProvider({ peers }) }),
          clusterPubSub({ interestSyncIntervalMs: 500 }),
        ],
      });
      running.push({ system, metrics });
    }
    const [a, b] = running as [(typeof running)[0], (typeof running)[0]];
    await eventually("2 members on both", () => running.every((n) => clusterOf(n.system).members().length === 2), { timeoutMs: 20_000 });

    // One subscriber of "news" on a; two of "news" and one of "sports" on b.
    const pa = clusterPubSubOf(a.system);
    const pb = clusterPubSubOf(b.system);
    const onA = await probe(a.system);
    const onB = [await probe(b.system), await probe(b.system)];
    const sports = await probe(b.system);
    await pa.subscribe("news", onA.pid);
    for (const p of onB) await pb.subscribe("news", p.pid);
    await pb.subscribe("sports", sports.pid);
    await eventually("a knows b's interest in news", () => pa.nodesInterestedIn("news").length === 1, { timeoutMs: 10_000 });

    // 3 on a topic nobody follows, then 5 on news from a (1 local delivery + 2 on b each): the mediator works in
    // order, so once the news arrived the 3 were counted.
    for (let i = 0; i < 3; i++) pa.publish("void", news(`v${i}`));
    for (let i = 0; i < 5; i++) pa.publish("news", news(`n${i}`));
    for (const p of [onA, ...onB]) for (let i = 0; i < 5; i++) await p.expectMessage(news(`n${i}`));

    // Straight to b's gateway: a repeat of a's first publication, and one whose payload b cannot read.
    const gateway = remoteOf(a.system).pidOf(`${remoteOf(b.system).address}/system/pubsub-gateway`);
    const publisher = pa.publisherId;
    gateway.tell(create(PublicationSchema, { topic: "news", publisher, seq: 1, payload: anyPack(StringValueSchema, news("again")) }));
    const unknown: Any = { $typeName: "google.protobuf.Any", typeUrl: "type.googleapis.com/nobody.v1.Knows", value: new Uint8Array() };
    gateway.tell(create(PublicationSchema, { topic: "news", publisher, seq: 1000, payload: unknown }));

    // a: 8 published, 5 delivered to its own subscriber, 5 forwarded to b, 3 heard by nobody; a sent no duplicate.
    expect(pubsubPoints(await a.metrics.collect())).toEqual({
      published: 8,
      delivered: 5,
      forwarded: 5,
      no_subscribers: 3,
      duplicate: 0,
      unreadable: 0,
      subscribers: 1,
      topics: 1,
    });

    await eventually(
      "b counted the repeat and the unreadable publication",
      async () => {
        const m = await b.metrics.collect();
        return (
          m.get("tsakt.pubsub.dropped{tsakt.pubsub.drop.reason=duplicate}") === 1 &&
          m.get("tsakt.pubsub.dropped{tsakt.pubsub.drop.reason=unreadable}") === 1
        );
      },
      { timeoutMs: 5000 },
    );
    // b: nothing published, 5 publications × 2 subscribers delivered, one repeat and one unreadable dropped.
    expect(pubsubPoints(await b.metrics.collect())).toEqual({
      published: 0,
      delivered: 10,
      forwarded: 0,
      no_subscribers: 0,
      duplicate: 1,
      unreadable: 1,
      subscribers: 3,
      topics: 2,
    });
    for (const p of onB) await p.expectNoMessage(50);

    await pb.unsubscribe("sports", sports.pid);
    expect(pubsubPoints(await b.metrics.collect())).toMatchObject({ subscribers: 2, topics: 1 });

    const units = await a.metrics.units();
    for (const name of ["published", "delivered", "forwarded", "dropped"]) expect(units.get(`tsakt.pubsub.${name}`)).toBe("{message}");
    expect(units.get("tsakt.pubsub.subscribers")).toBe("{subscriber}");
  }, 60_000);
});

/** Pub/sub's data points of one node, by short name (the drop reasons by reason). */
function pubsubPoints(m: Map<string, number>): Record<string, number | undefined> {
  const dropped = (reason: string) => m.get(`tsakt.pubsub.dropped{tsakt.pubsub.drop.reason=${reason}}`);
  const plain = (name: string) => m.get(`tsakt.pubsub.${name}{}`);
  return {
    published: plain("published"),
    delivered: plain("delivered"),
    forwarded: plain("forwarded"),
    no_subscribers: dropped("no_subscribers"),
    duplicate: dropped("duplicate"),
    unreadable: dropped("unreadable"),
    subscribers: plain("subscribers"),
    topics: plain("topics"),
  };
}
