import { ActorSystem, silentLogger } from "@tsakt/actor";
import { cluster, clusterOf, spawnOn } from "@tsakt/cluster";
import { MemoryDiscoveryProvider, MemoryNetwork } from "@tsakt/discovery";
import { MemoryEventJournal, MemorySnapshotStore, MemoryStateStore, MemoryStorage } from "@tsakt/persistence";
import { remoting } from "@tsakt/remote";
import { eventually } from "@tsakt/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { Cart, expectedLedger, Ledger, ledgerCodec } from "./actor-fixtures.js";

describe("persistent actors relocated in a cluster (nodes in one process, over TCP)", () => {
  const systems: ActorSystem[] = [];
  afterEach(async () => {
    await Promise.all(systems.splice(0).map((s) => s.stop()));
  });

  it("re-creates an event-sourced and a durable-state actor on a survivor with the state they had", async () => {
    // One storage for every node, as nodes share a database.
    const storage = new MemoryStorage();
    const discovery = new MemoryNetwork();
    const node = async () => {
      const system = await ActorSystem.start({
        name: "bank",
        logger: silentLogger,
        plugins: [
          remoting({ host: "127.0.0.1", port: 0, json: true }),
          cluster({
            discovery: new MemoryDiscoveryProvider({ network: discovery }),
            kinds: {
              ledger: () =>
                new Ledger({
                  journal: new MemoryEventJournal({ storage }),
                  snapshots: new MemorySnapshotStore({ storage }),
                  codec: ledgerCodec,
                  snapshotEvery: 4,
                }),
              cart: () => new Cart({ store: new MemoryStateStore({ storage }), codec: ledgerCodec }),
            },
            probeIntervalMs: 100,
            pingTimeoutMs: 50,
            suspicionTimeoutMs: 400,
          }),
        ],
      });
      systems.push(system);
      return system;
    };
    const [a, b, c] = [await node(), await node(), await node()];
    await eventually("3 members everywhere", () => [a, b, c].every((s) => clusterOf(s).members().length === 3));

    await spawnOn(c, "acct-1", "ledger", { placement: "local" });
    await spawnOn(c, "cart-1", "cart", { placement: "local" });
    const amounts = [5, 10, 15, 20, 25, 30];
    for (const amount of amounts) await (await a.actorOf("acct-1")).ask(amount, { timeoutMs: 2000 });
    for (const item of ["apple", "pear"]) await (await b.actorOf("cart-1")).ask(item, { timeoutMs: 2000 });
    const hostOfC = clusterOf(c).self.name;
    expect((await a.actorOf("acct-1")).address).toContain(hostOfC);

    await c.stop();
    await eventually(
      "the ledger to answer from a survivor",
      async () => {
        const pid = await a.actorOf("acct-1").catch(() => undefined);
        return (
          pid !== undefined &&
          !pid.address.includes(hostOfC) &&
          (await pid.ask("get", { timeoutMs: 500 }).catch(() => undefined)) !== undefined
        );
      },
      { timeoutMs: 10_000 },
    );
    // Recovered from the snapshot at 4 plus the events 5 and 6, on another node.
    expect(await (await a.actorOf("acct-1")).ask("get", { timeoutMs: 2000 })).toEqual({ ...expectedLedger(amounts), seq: 6 });
    expect(await (await b.actorOf("acct-1")).ask(100, { timeoutMs: 2000 })).toBe(205);
    await eventually(
      "the cart to answer from a survivor",
      async () =>
        (await (await b.actorOf("cart-1").catch(() => undefined))?.ask("get", { timeoutMs: 500 }).catch(() => undefined)) !== undefined,
      { timeoutMs: 10_000 },
    );
    expect(await (await b.actorOf("cart-1")).ask("get", { timeoutMs: 2000 })).toEqual({ items: ["apple", "pear"], version: 2 });
  }, 30_000);
});
