import { fileURLToPath } from "node:url";
import { create } from "@bufbuild/protobuf";
import { StringValueSchema } from "@bufbuild/protobuf/wkt";
import { ActorSystem, silentLogger } from "@tsakt/actor";
import { cluster, clusterOf } from "@tsakt/cluster";
import { StaticDiscoveryProvider } from "@tsakt/discovery-static";
import { clusterPubSub, clusterPubSubOf } from "@tsakt/pubsub/cluster";
import { remoting } from "@tsakt/remote";
import { freePorts, spawnTsChild, type TsChild } from "@tsakt/test-servers";
import { eventually, probe } from "@tsakt/testkit";
import { afterEach, describe, expect, it } from "vitest";

const fixture = fileURLToPath(new URL("./fixtures/subscriber-node.ts", import.meta.url));
const text = (value: string) => create(StringValueSchema, { value });

/** The values a child printed as "got <value> from <sender>", in arrival order. */
function deliveries(child: TsChild): string[] {
  return [...child.output().matchAll(/^got (\S+) from /gm)].map((m) => m[1] as string);
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `${from + i}`);

describe("pub/sub across separate OS processes", () => {
  const children: TsChild[] = [];
  let system: ActorSystem | undefined;

  afterEach(async () => {
    await system?.stop();
    await Promise.all(children.splice(0).map((c) => c.kill()));
  });

  it("delivers in order exactly once on each node, and goes on for the others when one node is SIGKILLed", async () => {
    const [portA, portB, portC] = (await freePorts(3)) as [number, number, number];
    const peers = [portA, portB, portC].map((p) => `127.0.0.1:${p}`);
    for (const port of [portB, portC])
      children.push(spawnTsChild(fixture, [], { env: { TSAKT_PUBSUB_NODE: JSON.stringify({ port, peers }) } }));
    const [b, c] = children as [TsChild, TsChild];
    system = await ActorSystem.start({
      name: "news",
      logger: silentLogger,
      plugins: [
        remoting({ host: "127.0.0.1", port: portA, types: [StringValueSchema] }),
        cluster({
          discovery: new StaticDiscoveryProvider({ peers }),
          probeIntervalMs: 200,
          pingTimeoutMs: 100,
          suspicionTimeoutMs: 800,
          discoveryIntervalMs: 1000,
        }),
        clusterPubSub({ interestSyncIntervalMs: 500 }),
      ],
    });
    const a = clusterPubSubOf(system);
    await Promise.all([b.waitForLine(/^subscribed$/, 20_000), c.waitForLine(/^subscribed$/, 20_000)]);
    await eventually("A to learn B and C subscribe", () => a.nodesInterestedIn("news").length === 2, { timeoutMs: 10_000 });

    const publisher = await probe(system);
    for (let i = 0; i < 200; i++) a.publish("news", text(`${i}`), publisher.pid);
    await Promise.all([b.waitForLine(/^got 199 /), c.waitForLine(/^got 199 /)]);
    expect(deliveries(b)).toEqual(range(0, 200));
    expect(deliveries(c)).toEqual(range(0, 200));
    expect(b.output()).toContain(`from ${publisher.pid.address}`);

    const local = await probe(system);
    await a.subscribe("news", local.pid);
    await c.kill("SIGKILL");
    await eventually("A to declare C dead", () => clusterOf(system as ActorSystem).members().length === 2, { timeoutMs: 10_000 });
    expect(a.nodesInterestedIn("news")).toEqual([`127.0.0.1:${portB}`]);
    for (let i = 200; i < 300; i++) a.publish("news", text(`${i}`), publisher.pid);
    await b.waitForLine(/^got 299 /);
    expect(deliveries(b)).toEqual(range(0, 300));
    expect((await local.receiveN(100)).map((m) => (m as { value: string }).value)).toEqual(range(200, 300));
  });
});
