import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collect, rejectionOf } from "@tsakt/persistence/testing";
import { LmdbEventJournal, LmdbStateStore, openLmdbStores } from "@tsakt/persistence-lmdb";
import { open } from "lmdb";
import { afterAll, describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "tsakt-lmdb-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("LMDB stores", () => {
  it("keeps data across a close and a reopen of the directory", async () => {
    const path = join(dir, "reopen");
    {
      await using stores = openLmdbStores({ path });
      await stores.state.save("k", Uint8Array.of(1, 2, 3), 0);
      await stores.journal.append("p", [Uint8Array.of(9)], 0);
      await stores.snapshots.save("p", 1, Uint8Array.of(7));
    }
    await using again = openLmdbStores({ path });
    expect(await again.state.load("k")).toEqual({ version: 1, bytes: Uint8Array.of(1, 2, 3) });
    expect((await collect(again.journal.replay("p", 1))).map((e) => e.sequenceNr)).toEqual([1]);
    expect((await again.snapshots.loadLatest("p"))?.bytes).toEqual(Uint8Array.of(7));
  });

  it("reports damaged records as CorruptStateError naming the key, and keeps working for other keys", async () => {
    const path = join(dir, "corrupt");
    await using stores = openLmdbStores({ path });
    await stores.state.save("good", Uint8Array.of(1), 0);
    await stores.journal.append("journal-1", [Uint8Array.of(1), Uint8Array.of(2)], 0);
    await stores.close();

    const raw = open<Buffer, Buffer>({ path, encoding: "binary", keyEncoding: "binary", maxDbs: 8 });
    const state = raw.openDB<Buffer, Buffer>({ name: "tsakt-state", encoding: "binary", keyEncoding: "binary" });
    const events = raw.openDB<Buffer, Buffer>({ name: "tsakt-events", encoding: "binary", keyEncoding: "binary" });
    await state.put(Buffer.from("account/7"), Buffer.from("not a record"));
    const [second] = [...events.getKeys()].slice(1);
    await events.put(second!, Buffer.from([1, 0, 0, 0, 99]));
    await raw.close();

    await using reopened = openLmdbStores({ path });
    const load = await rejectionOf(() => reopened.state.load("account/7"));
    expect(load).toMatchObject({ code: "CorruptState", key: "account/7" });
    const save = await rejectionOf(() => reopened.state.save("account/7", Uint8Array.of(1), 1));
    expect(save).toMatchObject({ code: "CorruptState", key: "account/7" });
    const replay = await rejectionOf(() => reopened.journal.replay("journal-1", 1));
    expect(replay).toMatchObject({ code: "CorruptState", key: "journal-1#2" });
    expect((await reopened.state.load("good"))?.version).toBe(1);
  });

  it("fails with StoreUnavailableError when the path cannot hold a store", async () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "x");
    expect(() => new LmdbStateStore({ path: join(file, "below") })).toThrow(
      expect.objectContaining({ code: "StoreUnavailable", store: "lmdb" }),
    );
  });

  it("rejects bad options with InvalidOptionError naming the field", () => {
    const cases: Array<[string, () => unknown]> = [
      ["path", () => new LmdbStateStore({ path: "" })],
      ["options", () => new LmdbStateStore(undefined as never)],
      ["noSync", () => new LmdbStateStore({ path: join(dir, "x"), noSync: "yes" as never })],
      ["replayPageSize", () => new LmdbEventJournal({ path: join(dir, "x"), replayPageSize: 0 })],
    ];
    for (const [field, make] of cases) expect(make, field).toThrow(expect.objectContaining({ code: "InvalidOption", field }));
  });

  it("replays across page boundaries without skipping or repeating an event", async () => {
    await using journal = new LmdbEventJournal({ path: join(dir, "pages"), replayPageSize: 7 });
    let highest = 0;
    for (let b = 0; b < 5; b++)
      highest = await journal.append(
        "p",
        Array.from({ length: 10 }, () => Uint8Array.of(b)),
        highest,
      );
    expect((await collect(journal.replay("p", 3))).map((e) => e.sequenceNr)).toEqual(Array.from({ length: 48 }, (_, i) => i + 3));
    expect((await collect(journal.replay("p", 5, 40, 21))).map((e) => e.sequenceNr)).toEqual(Array.from({ length: 21 }, (_, i) => i + 5));
  });
});
