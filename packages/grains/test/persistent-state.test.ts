import { create } from "@bufbuild/protobuf";
import { type Int64Value, Int64ValueSchema } from "@bufbuild/protobuf/wkt";
import { ActorSystem, type Logger, silentLogger } from "@tsakt/actor";
import {
  type Grain,
  type GrainContext,
  type GrainKindDefinition,
  type GrainReceiveContext,
  grainOf,
  grainStateKey,
  grains,
  grainsOf,
} from "@tsakt/grains";
import { MemoryStateStore, MemoryStorage, PersistenceCodec, type StateStore, StoreUnavailableError } from "@tsakt/persistence";
import { eventually } from "@tsakt/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { fieldRejected, rejection } from "./helpers.js";

/** A bank account whose balance is its persistent state: a bigint deposits it, "balance" answers, "close" clears it. */
class Account implements Grain<Int64Value> {
  constructor(private readonly log: string[]) {}

  onActivate(ctx: GrainContext<Int64Value>): void {
    this.log.push(`activate ${ctx.identity.id} ${ctx.state.value}`);
  }

  async onReceive(ctx: GrainReceiveContext<Int64Value>): Promise<void> {
    const m = ctx.message;
    if (typeof m === "bigint") {
      ctx.state.value += m;
      await ctx.writeState();
      ctx.respond(ctx.state.value);
    } else if (m === "balance") ctx.respond(ctx.state.value);
    else if (m === "close") {
      await ctx.clearState();
      ctx.respond(ctx.state.value);
    } else if (m === "reload") {
      ctx.state.value = -1n;
      await ctx.readState();
      ctx.respond(ctx.state.value);
    }
  }

  onDeactivate(ctx: GrainContext<Int64Value>): void {
    this.log.push(`deactivate ${ctx.identity.id}`);
  }
}

const accountKind = (log: string[], extra: Partial<GrainKindDefinition<Int64Value>> = {}): GrainKindDefinition<Int64Value> => ({
  factory: () => new Account(log),
  state: { schema: Int64ValueSchema },
  ...extra,
});

const systems: ActorSystem[] = [];
afterEach(async () => {
  await Promise.all(systems.splice(0).map((s) => s.stop()));
});

async function start(
  kinds: Record<string, GrainKindDefinition>,
  stateStore?: StateStore,
  logger: Logger = silentLogger,
): Promise<ActorSystem> {
  const system = await ActorSystem.start({
    name: "bank",
    logger,
    plugins: [grains(stateStore === undefined ? { kinds } : { kinds, stateStore })],
  });
  systems.push(system);
  return system;
}

/** A logger that keeps warn and error lines as "level message". */
function recordingLogger(lines: string[]): Logger {
  const keep = (level: string) => (obj: unknown, msg?: string) => void lines.push(`${level} ${typeof obj === "string" ? obj : msg}`);
  return { ...silentLogger, warn: keep("warn"), error: keep("error") } as Logger;
}

describe("persistent grain state", () => {
  it("is loaded before onActivate, saved by writeState and there again in the next activation", async () => {
    const storage = new MemoryStorage();
    const log: string[] = [];
    const system = await start({ account: accountKind(log, { idleMs: 20 }) }, new MemoryStateStore({ storage }));
    const ada = grainOf(system, "account", "ada");
    expect(await ada.ask(100n)).toBe(100n);
    expect(await ada.ask(5n)).toBe(105n);
    expect(storage.states.get("grain/account/ada")?.version).toBe(2);
    await eventually("ada to deactivate when idle", () => log.includes("deactivate ada"));
    expect(await ada.ask("balance")).toBe(105n);
    expect(log).toEqual(["activate ada 0", "deactivate ada", "activate ada 105"]);
    expect(grainStateKey({ kind: "account", id: "ada" })).toBe("grain/account/ada");

    // readState replaces the state with what is stored; clearState deletes it.
    expect(await ada.ask("reload")).toBe(105n);
    expect(await ada.ask("close")).toBe(0n);
    expect(storage.states.has("grain/account/ada")).toBe(false);
    expect(await ada.ask(1n)).toBe(1n);
  });

  it("survives a restart of the system on the same store, and a kind's own store wins over the plugin's", async () => {
    const shared = new MemoryStorage();
    const own = new MemoryStorage();
    const make = () =>
      start(
        {
          account: accountKind([]),
          vault: accountKind([], { state: { schema: Int64ValueSchema, store: new MemoryStateStore({ storage: own }) } }),
        },
        new MemoryStateStore({ storage: shared }),
      );
    const first = await make();
    await grainOf(first, "account", "a").ask(7n);
    await grainOf(first, "vault", "v").ask(9n);
    await first.stop();
    const second = await make();
    expect(await grainOf(second, "account", "a").ask("balance")).toBe(7n);
    expect(await grainOf(second, "vault", "v").ask("balance")).toBe(9n);
    expect([...shared.states.keys()]).toEqual(["grain/account/a"]);
    expect([...own.states.keys()]).toEqual(["grain/vault/v"]);
  });

  it("keeps plain JSON state with json: true", async () => {
    const storage = new MemoryStorage();
    const kinds: Record<string, GrainKindDefinition> = {
      cart: {
        factory: (): Grain<{ items: string[] }> => ({
          async onReceive(ctx) {
            if (typeof ctx.message !== "string") return;
            ctx.state.items.push(ctx.message);
            await ctx.writeState();
            ctx.respond(ctx.state.items.length);
          },
        }),
        state: { json: true, initial: () => ({ items: [] as string[] }) },
      },
    };
    const system = await start(kinds, new MemoryStateStore({ storage }));
    await grainOf(system, "cart", "c").ask("apple");
    expect(await grainOf(system, "cart", "c").ask("pear")).toBe(2);
    const codec = new PersistenceCodec({ json: true });
    expect(codec.unpack(storage.states.get("grain/cart/c")?.bytes as Uint8Array, "k")).toEqual({ items: ["apple", "pear"] });
  });

  it("fences a duplicate activation: its write fails with GrainStateConflictError, it stops, and the next call sees the stored state", async () => {
    // Two nodes sharing a store but not a directory: both activate account/x, as both sides of a partition would.
    const storage = new MemoryStorage();
    const logA: string[] = [];
    const logB: string[] = [];
    const lines: string[] = [];
    const a = await start({ account: accountKind(logA) }, new MemoryStateStore({ storage }));
    const b = await start({ account: accountKind(logB) }, new MemoryStateStore({ storage }), recordingLogger(lines));
    const onA = grainOf(a, "account", "x");
    const onB = grainOf(b, "account", "x");
    expect(await onA.ask("balance")).toBe(0n);
    expect(await onB.ask("balance")).toBe(0n);
    expect(await onA.ask(10n)).toBe(10n);

    const error = await rejection<Error & { kind: string; id: string }>(onB.ask(1n), "GrainStateConflict");
    expect(error).toMatchObject({ kind: "account", id: "x" });
    expect(error.cause).toMatchObject({ code: "ConcurrencyConflict", key: "grain/account/x", expected: 0, actual: 1 });
    await eventually("the stale activation to stop", () => logB.includes("deactivate x"));
    expect(grainsOf(b).activeCount()).toBe(0);
    expect(lines.filter((l) => l.startsWith("warn"))).toHaveLength(1);
    // The stale side's change was never stored; its next call activates the grain again with the stored state.
    expect(await onB.ask("balance")).toBe(10n);
    expect(await onB.ask(1n)).toBe(11n);
    expect(logB).toEqual(["activate x 0", "deactivate x", "activate x 10"]);
    // Now the activation on A is the stale one.
    await rejection(onA.ask(1n), "GrainStateConflict");
    expect(await onA.ask("balance")).toBe(11n);
  });

  it("hands the calls that reached a fenced activation to the next one, in order", async () => {
    const storage = new MemoryStorage();
    const a = await start({ account: accountKind([]) }, new MemoryStateStore({ storage }));
    const b = await start({ account: accountKind([]) }, new MemoryStateStore({ storage }));
    await grainOf(b, "account", "y").ask("balance");
    await grainOf(a, "account", "y").ask(100n);
    const onB = grainOf(b, "account", "y");
    // The first deposit conflicts; the three behind it were already in the stale activation's mailbox.
    const calls = [onB.ask(1n), onB.ask(2n), onB.ask("balance"), onB.ask(3n)];
    const results = await Promise.allSettled(calls);
    expect(results[0]).toMatchObject({ status: "rejected", reason: { code: "GrainStateConflict" } });
    expect(results.slice(1).map((r) => (r.status === "fulfilled" ? r.value : r.reason))).toEqual([102n, 102n, 105n]);
  });

  it("fails a write with the store's StoreUnavailableError and keeps the grain active; a lost-reply write is not applied twice", async () => {
    const inner = new MemoryStateStore();
    let fail: "before" | "after" | undefined;
    const store: StateStore = {
      id: "flaky",
      load: (key) => (fail === "before" ? Promise.reject(new StoreUnavailableError("flaky", "load", new Error("down"))) : inner.load(key)),
      save: async (key, bytes, expected) => {
        if (fail === "before") throw new StoreUnavailableError("flaky", "save", new Error("down"));
        const version = await inner.save(key, bytes, expected);
        if (fail === "after") throw new StoreUnavailableError("flaky", "save", new Error("reply lost"));
        return version;
      },
      clear: (key, expected) => inner.clear(key, expected),
      close: () => inner.close(),
      [Symbol.asyncDispose]: () => inner.close(),
    };
    const log: string[] = [];
    const system = await start({ account: accountKind(log) }, store);
    const z = grainOf(system, "account", "z");
    expect(await z.ask(1n)).toBe(1n);
    fail = "before";
    await rejection(z.ask(10n), "StoreUnavailable");
    fail = "after";
    await rejection(z.ask(100n), "StoreUnavailable");
    fail = undefined;
    // The in-memory state kept both failed deposits (the grain did not undo them); the lost-reply save is found stored
    // at the next write, which then goes on from its version.
    expect(await z.ask(1000n)).toBe(1111n);
    expect((await inner.load("grain/account/z"))?.version).toBe(3);
    expect(log).toEqual(["activate z 0"]);

    // A grain whose state cannot be loaded fails to activate with the store's error as the cause.
    fail = "before";
    const error = await rejection<Error>(grainOf(system, "account", "fresh").ask("balance"), "GrainActivation");
    expect(error.cause).toMatchObject({ code: "StoreUnavailable", operation: "load" });
    fail = undefined;
    expect(await grainOf(system, "account", "fresh").ask("balance")).toBe(0n);
  });

  it("fails the activation with a CorruptStateError naming the key when the stored bytes are unreadable", async () => {
    const storage = new MemoryStorage();
    const store = new MemoryStateStore({ storage });
    await store.save("grain/account/bad", Uint8Array.of(0xde, 0xad, 0xbe, 0xef), 0);
    const system = await start({ account: accountKind([]) }, store);
    const error = await rejection<Error>(grainOf(system, "account", "bad").ask("balance"), "GrainActivation");
    expect(error.cause).toMatchObject({ code: "CorruptState", key: "grain/account/bad" });
    expect(error.message).toContain("grain/account/bad");
    // Other grains are not affected.
    expect(await grainOf(system, "account", "good").ask(1n)).toBe(1n);
  });

  it("rejects ctx.state on a kind without state, naming the option to add", async () => {
    const system = await start({
      plain: {
        factory: (): Grain => ({
          onReceive(ctx) {
            ctx.respond(ctx.state);
          },
        }),
      },
    });
    const error = await rejection<Error & { field: string }>(grainOf(system, "plain", "p").ask("state?"), "InvalidOption");
    expect(error.field).toBe("kinds.plain.state");
  });

  it("rejects bad state options with InvalidOptionError naming the field", () => {
    const factory = () => new Account([]);
    const store = new MemoryStateStore();
    const kinds = (state: unknown) => ({ kinds: { account: { factory, state } as GrainKindDefinition } });
    expect(fieldRejected(() => grains(kinds({ schema: Int64ValueSchema })))).toBe("kinds.account.state.store");
    expect(fieldRejected(() => grains({ ...kinds({}), stateStore: store }))).toBe("kinds.account.state.schema");
    expect(fieldRejected(() => grains({ ...kinds({ schema: {} }), stateStore: store }))).toBe("kinds.account.state.schema");
    expect(fieldRejected(() => grains({ ...kinds({ json: true }), stateStore: store }))).toBe("kinds.account.state.initial");
    expect(fieldRejected(() => grains({ ...kinds({ json: true, schema: Int64ValueSchema }), stateStore: store }))).toBe(
      "kinds.account.state.schema",
    );
    expect(fieldRejected(() => grains(kinds({ schema: Int64ValueSchema, store: {} })))).toBe("kinds.account.state.store");
    expect(fieldRejected(() => grains(kinds({ schema: Int64ValueSchema, stor: store })))).toBe("kinds.account.state.stor");
    expect(fieldRejected(() => grains({ stateStore: {} as never }))).toBe("stateStore");
    expect(fieldRejected(() => grains(kinds("yes")))).toBe("kinds.account.state");
  });
});

// A kind definition typed by its state: the schema must match the grain's state type.
const typed: GrainKindDefinition<Int64Value> = {
  factory: () => new Account([]),
  state: { schema: Int64ValueSchema, initial: () => create(Int64ValueSchema, { value: 1n }) },
};
void typed;
