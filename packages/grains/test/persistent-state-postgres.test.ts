import { create } from "@bufbuild/protobuf";
import { Int64ValueSchema, StringValueSchema } from "@bufbuild/protobuf/wkt";
import { isTsaktError } from "@tsakt/actor";
import { type Grain, type GrainKindDefinition, grainOf, grainsOf } from "@tsakt/grains";
import { PersistenceCodec } from "@tsakt/persistence";
import { openPostgresStores, type PostgresStores } from "@tsakt/persistence-postgres";
import { type PostgresHandle, skipWithoutBinary, startPostgres } from "@tsakt/test-servers";
import { eventually } from "@tsakt/testkit";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startCluster } from "./cluster-helpers.js";

interface Ledger {
  balance: number;
  applied: string[];
}

/** An account whose state is JSON: a StringValue "<id>:<amount>" is a deposit, answered with the balance. */
const accountKind = (): GrainKindDefinition<Ledger> => ({
  factory: (): Grain<Ledger> => ({
    async onReceive(ctx) {
      if (!ctx.is(StringValueSchema)) return;
      ctx.state.applied.push(ctx.message.value);
      ctx.state.balance += Number(ctx.message.value.split(":")[1]);
      await ctx.writeState();
      ctx.respond(create(Int64ValueSchema, { value: BigInt(ctx.state.balance) }));
    },
  }),
  state: { json: true, initial: () => ({ balance: 0, applied: [] }) },
  activationTimeoutMs: 5000,
});

describe.skipIf(skipWithoutBinary("postgres"))("grain state on PostgreSQL", () => {
  let server: PostgresHandle;
  let admin: pg.Pool;
  const stores: PostgresStores[] = [];
  beforeAll(async () => {
    server = await startPostgres();
    admin = new pg.Pool({ connectionString: server.url, max: 2 });
    admin.on("error", () => undefined);
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await admin?.end();
    await server?.stop();
  });

  const openStores = () => {
    const opened = openPostgresStores({ connectionString: server.url, connectTimeoutMs: 1000, queryTimeoutMs: 5000 });
    stores.push(opened);
    return opened;
  };

  it("fails calls with typed errors while the server is down and resumes writing on the same nodes once it is back", async () => {
    // Two cluster nodes, each with its own pool, as two processes would have.
    const byNode = new Map([
      ["a", openStores()],
      ["b", openStores()],
    ]);
    const nodes = await startCluster(["a", "b"], (name) => ({
      kinds: { account: accountKind() },
      placement: "round-robin",
      stateStore: byNode.get(name)?.state,
    }));
    const accounts = Array.from({ length: 20 }, (_, i) => `acct-${i}`);
    const acked = new Map<string, string>();
    const errors: unknown[] = [];
    let stop = false;
    let n = 0;
    const writers = accounts.map(async (account, i) => {
      const deadline = Date.now() + 60_000;
      while (!stop && Date.now() < deadline) {
        const id = `${account}-${n++}:${1 + (n % 13)}`;
        const via = nodes[(i + n) % 2]?.system;
        try {
          await grainOf(via as NonNullable<typeof via>, "account", account).ask(create(StringValueSchema, { value: id }), {
            timeoutMs: 8000,
          });
          acked.set(id, account);
        } catch (error) {
          errors.push(error);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    });
    await eventually("300 acknowledged deposits", () => acked.size >= 300, { timeoutMs: 30_000 });

    await server.halt();
    await eventually("calls to fail while the server is down", () => errors.length >= 40, { timeoutMs: 30_000 });
    const ackedBeforeRestart = acked.size;
    await server.restart();
    await eventually("writes to resume after the restart", () => acked.size >= ackedBeforeRestart + 300, { timeoutMs: 40_000 });
    stop = true;
    await Promise.all(writers);

    // Every failure was a typed error: the store's, or an activation that could not load its state.
    const codes = new Set(errors.map((e) => (isTsaktError(e) ? e.code : String(e))));
    expect([...codes].filter((c) => c !== "StoreUnavailable" && c !== "GrainActivation")).toEqual([]);
    expect(codes.has("StoreUnavailable")).toBe(true);
    // The nodes ran on: their grains are still active (no restart), and the store holds every acknowledged deposit once.
    expect(grainsOf(nodes[0]!.system).activeCount() + grainsOf(nodes[1]!.system).activeCount()).toBe(accounts.length);
    const codec = new PersistenceCodec({ json: true });
    const reader = openStores();
    const applied = new Map<string, string>();
    for (const account of accounts) {
      const stored = await reader.state.load(`grain/account/${account}`);
      const state = codec.unpack(stored!.bytes, account) as Ledger;
      expect(new Set(state.applied).size).toBe(state.applied.length);
      expect(state.balance).toBe(state.applied.reduce((sum, id) => sum + Number(id.split(":")[1]), 0));
      for (const id of state.applied) applied.set(id, account);
    }
    expect([...acked].filter(([id, account]) => applied.get(id) !== account)).toEqual([]);
  }, 150_000);

  it("fails the activation with a typed error naming the key of unreadable stored state, and other grains keep working", async () => {
    const stores = openStores();
    const nodes = await startCluster(["c", "d"], () => ({
      kinds: { account: accountKind() },
      placement: "round-robin",
      stateStore: stores.state,
    }));
    const [c, d] = [nodes[0]!.system, nodes[1]!.system];
    await grainOf(c, "account", "healthy").ask(create(StringValueSchema, { value: "x:1" }));
    await stores.state.save("grain/account/garbled", Uint8Array.of(0xde, 0xad, 0xbe, 0xef), 0);
    await stores.state.save("grain/account/bad-version", new PersistenceCodec({ json: true }).pack({ balance: 1, applied: [] }), 0);
    await admin.query("UPDATE tsakt_state SET version = -3 WHERE key = 'grain/account/bad-version'");

    for (const [id, via] of [
      ["garbled", c],
      ["garbled", d],
      ["bad-version", d],
    ] as const) {
      const error = await grainOf(via, "account", id)
        .ask(create(StringValueSchema, { value: "y:1" }), { timeoutMs: 5000 })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "GrainActivation" });
      expect((error as Error).message).toContain(`grain/account/${id}`);
      expect((error as Error).message).toMatch(/cannot be read/);
    }
    expect(await grainOf(d, "account", "healthy").ask(create(StringValueSchema, { value: "x:2" }))).toMatchObject({ value: 3n });
  }, 60_000);
});
