import { create } from "@bufbuild/protobuf";
import { NodeJoinedSchema } from "@tsakt/actor";
import { PersistenceCodec } from "@tsakt/persistence";
import { collect, rejectionOf } from "@tsakt/persistence/testing";
import { migrate, openPostgresStores, PostgresStateStore } from "@tsakt/persistence-postgres";
import { type PostgresHandle, skipWithoutBinary, startPostgres } from "@tsakt/test-servers";
import { eventually } from "@tsakt/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe.skipIf(skipWithoutBinary("postgres"))("PostgreSQL stores", () => {
  let server: PostgresHandle;
  let admin: pg.Pool;
  beforeAll(async () => {
    server = await startPostgres();
    admin = new pg.Pool({ connectionString: server.url, max: 2 });
    // The outage test drops this helper pool's idle connections too; the stores' own pools handle that themselves.
    admin.on("error", () => undefined);
  });
  afterAll(async () => {
    await admin?.end();
    await server?.stop();
  });

  it("creates its tables on first use, or only through migrate() when autoMigrate is false", async () => {
    const manual = { connectionString: server.url, schema: "manual_schema", autoMigrate: false };
    await using store = new PostgresStateStore(manual);
    const missing = await rejectionOf(() => store.save("k", Uint8Array.of(1), 0));
    expect(missing).toMatchObject({ code: "StoreUnavailable", operation: "save" });
    expect((missing as Error).message).toMatch(/does not exist/);
    await Promise.all([migrate(manual), migrate(manual), migrate(manual)]);
    expect(await store.save("k", Uint8Array.of(1), 0)).toBe(1);
    const { rows } = await admin.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'manual_schema' ORDER BY 1");
    expect(rows.map((r: { table_name: string }) => r.table_name)).toEqual([
      "tsakt_journal",
      "tsakt_journal_highest",
      "tsakt_snapshots",
      "tsakt_state",
    ]);

    await using auto = new PostgresStateStore({ connectionString: server.url, schema: "auto_schema", tablePrefix: "app_" });
    expect(await auto.load("k")).toBeUndefined();
    const auto_tables = await admin.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'auto_schema'");
    expect(auto_tables.rows[0].n).toBe(4);
  });

  it("uses a pool it is given and leaves it open on close()", async () => {
    const pool = new pg.Pool({ connectionString: server.url, max: 2 });
    try {
      const stores = openPostgresStores({ pool });
      await stores.state.save("borrowed", Uint8Array.of(5), 0);
      await stores.close();
      const { rows } = await pool.query("SELECT version FROM tsakt_state WHERE key = 'borrowed'");
      expect(Number(rows[0].version)).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it("turns unreadable stored rows into CorruptStateError naming the key", async () => {
    await using stores = openPostgresStores({ connectionString: server.url });
    const codec = new PersistenceCodec({ types: [NodeJoinedSchema] });
    await stores.state.save("account/1", codec.pack(create(NodeJoinedSchema, { address: "a" })), 0);
    await stores.state.save("account/2", codec.pack(create(NodeJoinedSchema, { address: "b" })), 0);
    await stores.journal.append("ledger-1", [codec.encodeEvent(create(NodeJoinedSchema, { address: "e1" })), Uint8Array.of(1)], 0);

    await admin.query("UPDATE tsakt_state SET data = '\\xdeadbeefff'::bytea WHERE key = 'account/1'");
    await admin.query("UPDATE tsakt_state SET version = -3 WHERE key = 'account/2'");
    await admin.query(`UPDATE tsakt_journal SET metadata = '"oops"'::jsonb WHERE persistence_id = 'ledger-1' AND sequence_nr = 2`);

    const garbage = await stores.state.load("account/1");
    const unpack = (() => {
      try {
        codec.unpack(garbage!.bytes, "account/1");
      } catch (error) {
        return error;
      }
    })();
    expect(unpack).toMatchObject({ code: "CorruptState", key: "account/1" });
    expect(await rejectionOf(() => stores.state.load("account/2"))).toMatchObject({ code: "CorruptState", key: "account/2" });
    expect(await rejectionOf(() => stores.journal.replay("ledger-1", 1))).toMatchObject({ code: "CorruptState", key: "ledger-1#2" });
    const [first] = await collect(stores.journal.replay("ledger-1", 1, 1));
    expect(codec.decodeEvent(first!)).toMatchObject({ address: "e1" });
  });

  it("fails calls with StoreUnavailableError while the server is down and resumes on the same store objects once it is back", {
    timeout: 90_000,
  }, async () => {
    await using stores = openPostgresStores({ connectionString: server.url, connectTimeoutMs: 2000 });
    const key = "outage/counter";
    const acked: number[] = [];
    const errors: unknown[] = [];
    let stop = false;
    // One writer keeps incrementing a counter (load, then save with the loaded version) through the outage.
    const writer = (async () => {
      const deadline = Date.now() + 60_000;
      while (!stop && Date.now() < deadline) {
        try {
          const current = await stores.state.load(key);
          const count = current === undefined ? 0 : Number(new TextDecoder().decode(current.bytes));
          acked.push(await stores.state.save(key, new TextEncoder().encode(String(count + 1)), current?.version ?? 0));
        } catch (error) {
          errors.push(error);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    })();
    await eventually("20 acknowledged writes", async () => acked.length >= 20, { timeoutMs: 20_000, intervalMs: 50 });
    await stores.journal.append("outage/journal", [Uint8Array.of(1)], 0);

    await server.halt();
    await eventually("writes to fail while the server is down", async () => errors.length >= 3, { timeoutMs: 20_000, intervalMs: 50 });
    const ackedBeforeRestart = acked.length;
    const calls: Array<[string, () => Promise<unknown> | AsyncIterable<unknown>]> = [
      ["load", () => stores.state.load(key)],
      ["append", () => stores.journal.append("outage/journal", [Uint8Array.of(2)], 1)],
      ["replay", () => stores.journal.replay("outage/journal", 1)],
      ["highestSequenceNr", () => stores.journal.highestSequenceNr("outage/journal")],
      ["save", () => stores.snapshots.save("outage/journal", 1, Uint8Array.of(3))],
      ["loadLatest", () => stores.snapshots.loadLatest("outage/journal")],
    ];
    for (const [operation, run] of calls)
      expect(await rejectionOf(run)).toMatchObject({ code: "StoreUnavailable", store: "postgres", operation });

    await server.restart();
    await eventually("writes to resume after the restart", async () => acked.length >= ackedBeforeRestart + 20, {
      timeoutMs: 30_000,
      intervalMs: 50,
    });
    stop = true;
    await writer;

    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) expect(error).toMatchObject({ code: "StoreUnavailable" });
    expect(acked).toEqual([...acked].sort((a, b) => a - b));
    expect(new Set(acked).size).toBe(acked.length);
    const final = await stores.state.load(key);
    // A save whose reply was lost in the outage may have committed; no acknowledged one may be missing.
    expect(Number(new TextDecoder().decode(final!.bytes))).toBe(final!.version);
    expect(final!.version).toBeGreaterThanOrEqual(acked.length);
    expect(final!.version).toBe(acked[acked.length - 1]);
    expect(await stores.journal.append("outage/journal", [Uint8Array.of(2)], 1)).toBe(2);
    expect((await collect(stores.journal.replay("outage/journal", 1))).map((e) => e.sequenceNr)).toEqual([1, 2]);
  });

  it("rejects bad options with InvalidOptionError naming the field", () => {
    const cases: Array<[string, () => unknown]> = [
      ["options", () => new PostgresStateStore(undefined as never)],
      ["connectionString", () => new PostgresStateStore({})],
      ["connectionString", () => new PostgresStateStore({ connectionString: "postgres://x", pool: new pg.Pool() })],
      ["pool", () => new PostgresStateStore({ pool: {} as never })],
      ["schema", () => new PostgresStateStore({ connectionString: "postgres://x", schema: 'x"; drop table y; --' })],
      ["tablePrefix", () => new PostgresStateStore({ connectionString: "postgres://x", tablePrefix: "Bad-Prefix" })],
      ["maxConnections", () => new PostgresStateStore({ connectionString: "postgres://x", maxConnections: 0 })],
      ["queryTimeoutMs", () => new PostgresStateStore({ connectionString: "postgres://x", queryTimeoutMs: 1.5 })],
      ["autoMigrate", () => new PostgresStateStore({ connectionString: "postgres://x", autoMigrate: "no" as never })],
    ];
    for (const [field, make] of cases) expect(make, field).toThrow(expect.objectContaining({ code: "InvalidOption", field }));
  });
});
