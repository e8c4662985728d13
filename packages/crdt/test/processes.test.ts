import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { ActorSystem, silentLogger } from "@tsakt/actor";
import { cluster, clusterOf } from "@tsakt/cluster";
import { encodeReplicatedValue, type ORSet, type PNCounter } from "@tsakt/crdt";
import { type Replicator, replicator, replicatorOf } from "@tsakt/crdt/cluster";
import { StaticDiscoveryProvider } from "@tsakt/discovery-static";
import { remoting } from "@tsakt/remote";
import { freePorts, spawnTsChild, type TsChild } from "@tsakt/test-servers";
import { eventually } from "@tsakt/testkit";
import { afterEach, describe, expect, it } from "vitest";

const fixture = fileURLToPath(new URL("./fixtures/replica-node.ts", import.meta.url));
const digest = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex").slice(0, 16);

const WRITERS = 4;
const INCREMENTS = 2500; // per writer: 10,000 in all
const DECREMENTS = 750; // per writer: 3,000 in all

/** How many "acked +" and "acked -" lines a child printed. */
function acked(child: TsChild): { up: number; down: number } {
  const out = child.output();
  return { up: out.match(/^acked \+$/gm)?.length ?? 0, down: out.match(/^acked -$/gm)?.length ?? 0 };
}

/** The last "state …" line of a child. */
function lastState(child: TsChild): string | undefined {
  const lines = child.output().match(/^state .*$/gm);
  return lines?.[lines.length - 1];
}

describe("replicator across separate OS processes", () => {
  const children: TsChild[] = [];
  let system: ActorSystem | undefined;

  afterEach(async () => {
    await system?.stop();
    system = undefined;
    await Promise.all(children.splice(0).map((c) => c.kill()));
  });

  /** Starts WRITERS child nodes and this process as a fifth node (a reader); resolves once every node sees all five. */
  async function startCluster(): Promise<{ reader: Replicator; nodeIds: string[] }> {
    const ports = await freePorts(WRITERS + 1);
    const peers = ports.map((p) => `127.0.0.1:${p}`);
    ports.slice(1).forEach((port, i) => {
      const config = { port, peers, members: WRITERS + 1, increments: INCREMENTS, decrements: DECREMENTS, concurrency: 8, seed: i + 1 };
      children.push(spawnTsChild(fixture, [], { env: { TSAKT_REPLICA_NODE: JSON.stringify(config) } }));
    });
    system = await ActorSystem.start({
      name: "replicas",
      logger: silentLogger,
      plugins: [
        remoting({ host: "127.0.0.1", port: ports[0] as number }),
        cluster({
          discovery: new StaticDiscoveryProvider({ peers }),
          probeIntervalMs: 200,
          pingTimeoutMs: 150,
          suspicionTimeoutMs: 1000,
          discoveryIntervalMs: 500,
        }),
        replicator({ gossipIntervalMs: 100, antiEntropyIntervalMs: 500, timeoutMs: 5000 }),
      ],
    });
    const nodeIds = await Promise.all(children.map(async (c) => (await c.waitForLine(/^node /, 30_000)).split(" ")[1] as string));
    await Promise.all(children.map((c) => c.waitForLine(/^joined$/, 30_000)));
    return { reader: replicatorOf(system), nodeIds };
  }

  /** Waits until the reader's `all` read and every live child's own state are the same counter and set. */
  async function convergedOn(reader: Replicator, live: TsChild[]): Promise<PNCounter> {
    let counter: PNCounter | undefined;
    await eventually(
      "every node holds the same counter and set",
      async () => {
        counter = (await reader.get<PNCounter>("total", { readConsistency: "all", timeoutMs: 2000 })) as PNCounter;
        const tags = (await reader.get<ORSet>("tags")) as ORSet;
        const mine = `state ${counter.value} ${digest(encodeReplicatedValue("total", counter))} ${digest(encodeReplicatedValue("tags", tags))}`;
        for (const child of live) expect(lastState(child)).toBe(mine);
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    return counter as PNCounter;
  }

  it("five nodes: 10,000 increments and 3,000 decrements at majority from four writers give the exact total everywhere", {
    timeout: 180_000,
  }, async () => {
    const { reader, nodeIds } = await startCluster();
    await Promise.all(children.map((c) => c.waitForLine(/^done$/, 150_000)));
    for (const c of children) expect(acked(c)).toEqual({ up: INCREMENTS, down: DECREMENTS });
    const counter = await convergedOn(reader, children);
    expect(counter.value).toBe(BigInt(WRITERS * (INCREMENTS - DECREMENTS)));
    for (const id of nodeIds) {
      expect(counter.increments.countOf(id)).toBe(BigInt(INCREMENTS));
      expect(counter.decrements.countOf(id)).toBe(BigInt(DECREMENTS));
    }
  });

  it("a writer SIGKILLed mid-run loses none of its acknowledged majority writes; a majority read sees them", {
    timeout: 180_000,
  }, async () => {
    const { reader, nodeIds } = await startCluster();
    const victim = children[0] as TsChild;
    await eventually("the victim acknowledged 400 writes", () => acked(victim).up + acked(victim).down >= 400, { timeoutMs: 60_000 });
    await victim.kill("SIGKILL");
    const before = acked(victim);
    const victimId = nodeIds[0] as string;
    // A majority read right after the kill (the victim still counts as a member) already sees every acknowledged write.
    const seen = (await reader.get<PNCounter>("total", { readConsistency: "majority" })) as PNCounter;
    expect(seen.increments.countOf(victimId)).toBeGreaterThanOrEqual(BigInt(before.up));
    expect(seen.decrements.countOf(victimId)).toBeGreaterThanOrEqual(BigInt(before.down));

    const survivors = children.slice(1);
    await Promise.all(survivors.map((c) => c.waitForLine(/^done$/, 150_000)));
    await eventually("the victim is no longer a member", () => clusterOf(system as ActorSystem).members().length === WRITERS, {
      timeoutMs: 20_000,
    });
    const counter = await convergedOn(reader, survivors);
    for (const id of nodeIds.slice(1)) {
      expect(counter.increments.countOf(id)).toBe(BigInt(INCREMENTS));
      expect(counter.decrements.countOf(id)).toBe(BigInt(DECREMENTS));
    }
    // The victim's share: at least what it had acknowledged, at most what it had issued.
    expect(counter.increments.countOf(victimId)).toBeGreaterThanOrEqual(BigInt(before.up));
    expect(counter.decrements.countOf(victimId)).toBeGreaterThanOrEqual(BigInt(before.down));
    expect(counter.increments.countOf(victimId)).toBeLessThanOrEqual(BigInt(INCREMENTS));
  });
});
