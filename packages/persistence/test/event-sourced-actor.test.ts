import { create } from "@bufbuild/protobuf";
import { Int64ValueSchema } from "@bufbuild/protobuf/wkt";
import { ActorSystem, type Context, isTsaktError, type PID, type ReceiveContext, silentLogger } from "@tsakt/actor";
import { MemoryEventJournal, MemorySnapshotStore, MemoryStorage } from "@tsakt/persistence";
import { eventually, staysTrue } from "@tsakt/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { expectedLedger, FaultyJournal, gate, Ledger, type LedgerState, ledgerCodec } from "./actor-fixtures.js";

const systems: ActorSystem[] = [];
afterEach(async () => {
  await Promise.all(systems.splice(0).map((s) => s.stop()));
});

async function start(): Promise<ActorSystem> {
  const system = await ActorSystem.start({ name: "ledgers", logger: silentLogger });
  systems.push(system);
  return system;
}

type Reply = LedgerState & { seq: number };
const get = (pid: PID) => pid.ask<Reply>("get", { timeoutMs: 5000 });

describe("EventSourcedActor", () => {
  it("recovers 10,000 events to the same state with and without snapshots", async () => {
    const storage = new MemoryStorage();
    const journal = new MemoryEventJournal({ storage });
    const snapshots = new MemorySnapshotStore({ storage });
    const plain = () => new Ledger({ journal, codec: ledgerCodec, persistenceId: "ledger-plain" });
    const snapshotted = () => new Ledger({ journal, snapshots, codec: ledgerCodec, persistenceId: "ledger-snap", snapshotEvery: 1000 });
    const system = await start();
    const a = await system.spawn("plain", plain);
    const b = await system.spawn("snapshotted", snapshotted);

    // 10,050 events: 100 atomic batches of 100, then 50 one at a time; amounts differ, so the digest depends on order.
    const amounts = Array.from({ length: 10_050 }, (_, i) => (i * 7919) % 1000);
    for (let batch = 0; batch < 100; batch++) {
      const slice = amounts.slice(batch * 100, batch * 100 + 100);
      await Promise.all([a.ask(slice), b.ask(slice)]);
    }
    for (const amount of amounts.slice(10_000)) await Promise.all([a.ask(amount), b.ask(amount)]);
    const expected = { ...expectedLedger(amounts), seq: 10_050 };
    expect(await get(a)).toEqual(expected);
    expect(await get(b)).toEqual(expected);
    // One snapshot kept (the older ones deleted), at the last multiple of 1000 that a persist crossed.
    expect([...(storage.snapshots.get("ledger-snap")?.keys() ?? [])]).toEqual([10_000]);
    expect(storage.snapshots.get("ledger-plain")).toBeUndefined();

    await system.stopActor(a);
    await system.stopActor(b);
    const instances: Ledger[] = [];
    const track = (make: () => Ledger) => () => {
      const ledger = make();
      instances.push(ledger);
      return ledger;
    };
    const a2 = await system.spawn("plain", track(plain));
    const b2 = await system.spawn("snapshotted", track(snapshotted));
    expect(await get(a2)).toEqual(expected);
    expect(await get(b2)).toEqual(expected);
    // Without snapshots recovery applies every event; with them only the 50 after the snapshot.
    expect(instances.map((l) => l.replayed)).toEqual([10_050, 50]);
    // And it goes on from there.
    expect(await b2.ask(5)).toBe(expected.sum + 5);
    expect((await get(b2)).seq).toBe(10_051);
  });

  it("recovers its state after a supervisor restart", async () => {
    const journal = new MemoryEventJournal();
    const system = await start();
    const pid = await system.spawn("ledger", () => new Ledger({ journal, codec: ledgerCodec }));
    for (const amount of [3, 4, 5]) await pid.ask(amount);
    pid.tell("boom");
    expect(await get(pid)).toEqual({ ...expectedLedger([3, 4, 5]), seq: 3 });
    // The default persistence id is the actor's path.
    expect(await journal.highestSequenceNr("/user/ledger")).toBe(3);
  });

  it("runs onRecovered before the first command and never hands PostStart to onCommand", async () => {
    const seen: string[] = [];
    class Watching extends Ledger {
      protected override onRecovered(ctx: Context): void {
        super.onRecovered(ctx);
        seen.push(`recovered at ${this.lastSequenceNr}`);
      }
      protected override onCommand(ctx: ReceiveContext): Promise<void> {
        seen.push(typeof ctx.message === "object" ? String((ctx.message as { $typeName?: string }).$typeName) : String(ctx.message));
        return super.onCommand(ctx);
      }
    }
    const journal = new MemoryEventJournal();
    await journal.append("/user/watching", [ledgerCodec.encodeEvent(create(Int64ValueSchema, { value: 4n }))], 0);
    const system = await start();
    const pid = await system.spawn("watching", () => new Watching({ journal, codec: ledgerCodec }));
    expect(await pid.ask(1)).toBe(5);
    expect(seen).toEqual(["recovered at 1", "1"]);
  });

  it("holds the next message while a persist it did not await is still running", async () => {
    const journal = new FaultyJournal();
    const system = await start();
    const pid = await system.spawn("ledger", () => new Ledger({ journal, codec: ledgerCodec }, true));
    const held = gate();
    journal.hold = held.promise;
    expect(await pid.ask(10)).toBe("accepted");
    let answered: Reply | undefined;
    void get(pid).then((reply) => (answered = reply));
    await staysTrue("the get to wait for the held persist", () => answered === undefined, { timeoutMs: 50 });
    held.open();
    await eventually("the held get to be answered", () => answered !== undefined, { timeoutMs: 2000 });
    expect(answered).toEqual({ ...expectedLedger([10]), seq: 1 });
  });

  it("stops when another writer appended to its persistence id first, failing the command with ConcurrencyConflictError", async () => {
    const storage = new MemoryStorage();
    const [one, two] = [await start(), await start()];
    const make = () => new Ledger({ journal: new MemoryEventJournal({ storage }), codec: ledgerCodec, persistenceId: "shared" });
    const first = await one.spawn("ledger", make);
    const stale = await two.spawn("ledger", make);
    expect(await first.ask(1)).toBe(1);
    const error = await stale.ask(2, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(isTsaktError(error, "ConcurrencyConflict")).toBe(true);
    expect(error).toMatchObject({ key: "shared", expected: 0, actual: 1 });
    await eventually("the stale actor to stop", () => !stale.isAlive(), { timeoutMs: 2000 });
    // Nothing of the stale side was stored; the live one goes on.
    expect(await first.ask(3)).toBe(4);
    expect(storage.journals.get("shared")?.highest).toBe(2);
  });

  it("fails a command with StoreUnavailableError and catches up with an append whose reply was lost", async () => {
    const journal = new FaultyJournal();
    const system = await start();
    const pid = await system.spawn("ledger", () => new Ledger({ journal, codec: ledgerCodec }));
    expect(await pid.ask(1)).toBe(1);

    journal.fail = "before";
    await expect(pid.ask(10)).rejects.toMatchObject({ code: "StoreUnavailable", operation: "append" });
    // While the store is down, commands fail with the typed error and the actor keeps running.
    await expect(pid.ask(20)).rejects.toMatchObject({ code: "StoreUnavailable" });
    journal.fail = "after";
    await expect(pid.ask(100)).rejects.toMatchObject({ code: "StoreUnavailable" });
    journal.fail = undefined;
    // The lost-reply append (100) was stored: the next command replays it first, then appends after it.
    expect(await pid.ask(1000)).toBe(1101);
    expect(await get(pid)).toEqual({ ...expectedLedger([1, 100, 1000]), seq: 3 });
    expect(pid.isAlive()).toBe(true);
  });

  it("fails to start with a CorruptStateError naming the unreadable event", async () => {
    const storage = new MemoryStorage();
    const journal = new MemoryEventJournal({ storage });
    const system = await start();
    const pid = await system.spawn("ledger", () => new Ledger({ journal, codec: ledgerCodec, persistenceId: "broken" }));
    for (const amount of [1, 2, 3]) await pid.ask(amount);
    await system.stopActor(pid);
    const event = storage.journals.get("broken")?.events.get(2);
    if (event !== undefined) event.bytes = Uint8Array.of(0xff, 0xff, 0xff);
    const error = await system
      .spawn("ledger", () => new Ledger({ journal, codec: ledgerCodec, persistenceId: "broken" }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ActorInitialization" });
    expect((error as Error).cause).toMatchObject({ code: "CorruptState", key: "broken#2" });
  });

  it("rejects bad options with InvalidOptionError naming the field", () => {
    const journal = new MemoryEventJournal();
    const cases: Array<[string, () => unknown]> = [
      ["journal", () => new Ledger({ journal: {} as never, codec: ledgerCodec })],
      ["codec", () => new Ledger({ journal, codec: {} as never })],
      ["snapshotEvery", () => new Ledger({ journal, codec: ledgerCodec, snapshotEvery: -1 })],
      ["snapshots", () => new Ledger({ journal, codec: ledgerCodec, snapshotEvery: 10 })],
      ["persistenceId", () => new Ledger({ journal, codec: ledgerCodec, persistenceId: "" })],
      ["journl", () => new Ledger({ journl: journal } as never)],
    ];
    for (const [field, make] of cases) expect(make, field).toThrow(expect.objectContaining({ code: "InvalidOption", field }));
  });
});
