import { create } from "@bufbuild/protobuf";
import { type Int64Value, Int64ValueSchema } from "@bufbuild/protobuf/wkt";
import { ActorSystem, isTsaktError, silentLogger } from "@tsakt/actor";
import { MemoryStateStore, MemoryStorage, PersistenceCodec, PersistentState } from "@tsakt/persistence";
import { eventually } from "@tsakt/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { Cart, faultyStateStore, ledgerCodec } from "./actor-fixtures.js";

const systems: ActorSystem[] = [];
afterEach(async () => {
  await Promise.all(systems.splice(0).map((s) => s.stop()));
});

async function start(): Promise<ActorSystem> {
  const system = await ActorSystem.start({ name: "carts", logger: silentLogger });
  systems.push(system);
  return system;
}

type CartReply = { items: string[]; version: number };

describe("DurableStateActor", () => {
  it("saves the whole state on every change and loads it again when re-created", async () => {
    const storage = new MemoryStorage();
    const system = await start();
    const make = () => new Cart({ store: new MemoryStateStore({ storage }), codec: ledgerCodec });
    const cart = await system.spawn("cart-7", make);
    expect(await cart.ask("apple")).toBe(1);
    expect(await cart.ask("pear")).toBe(2);
    expect(storage.states.get("/user/cart-7")?.version).toBe(2);
    await system.stopActor(cart);
    const again = await system.spawn("cart-7", make);
    expect(await again.ask<CartReply>("get")).toEqual({ items: ["apple", "pear"], version: 2 });
    expect(await again.ask("empty")).toBe(0);
    expect(storage.states.has("/user/cart-7")).toBe(false);
    expect(await again.ask<CartReply>("get")).toEqual({ items: [], version: 0 });
  });

  it("stops when another writer saved first, failing the command with ConcurrencyConflictError", async () => {
    const storage = new MemoryStorage();
    const [one, two] = [await start(), await start()];
    const make = () => new Cart({ store: new MemoryStateStore({ storage }), codec: ledgerCodec, persistenceId: "cart/shared" });
    const live = await one.spawn("cart", make);
    const stale = await two.spawn("cart", make);
    expect(await live.ask("apple")).toBe(1);
    const error = await stale.ask("plum", { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(isTsaktError(error, "ConcurrencyConflict")).toBe(true);
    await eventually("the stale cart to stop", () => !stale.isAlive(), { timeoutMs: 2000 });
    expect(await live.ask<CartReply>("get")).toEqual({ items: ["apple"], version: 1 });
  });

  it("fails a command with StoreUnavailableError, keeps its last saved state, and reloads before the next command", async () => {
    const store = faultyStateStore(new MemoryStateStore());
    const system = await start();
    const cart = await system.spawn("cart", () => new Cart({ store, codec: ledgerCodec }));
    expect(await cart.ask("apple")).toBe(1);
    store.fail = "before";
    await expect(cart.ask("pear")).rejects.toMatchObject({ code: "StoreUnavailable" });
    // The failed save's state is not taken; reloading fails too while the store is down.
    await expect(cart.ask("get")).rejects.toMatchObject({ code: "StoreUnavailable" });
    store.fail = undefined;
    expect(await cart.ask<CartReply>("get")).toEqual({ items: ["apple"], version: 1 });
    store.fail = "after";
    await expect(cart.ask("plum")).rejects.toMatchObject({ code: "StoreUnavailable" });
    store.fail = undefined;
    // The save whose reply was lost is there: the reload finds it.
    expect(await cart.ask<CartReply>("get")).toEqual({ items: ["apple", "plum"], version: 2 });
    expect(await cart.ask("fig")).toBe(3);
  });
});

describe("PersistentState", () => {
  const codec = new PersistenceCodec({ types: [Int64ValueSchema] });
  const holder = (store: MemoryStateStore | ReturnType<typeof faultyStateStore>, key = "counter") =>
    new PersistentState<Int64Value>({ store, key, codec, initial: () => create(Int64ValueSchema) });

  it("reads, writes with the version it holds, and clears", async () => {
    const store = new MemoryStateStore();
    const state = holder(store);
    await state.read();
    expect(state.version).toBe(0);
    state.value.value = 5n;
    await Promise.all([state.write(), state.write()]);
    expect(state.version).toBe(2);
    const other = holder(store);
    await other.read();
    expect(other.value.value).toBe(5n);
    await state.clear();
    expect([state.version, state.value.value]).toEqual([0, 0n]);
    expect(await store.load("counter")).toBeUndefined();
  });

  it("is fenced by a ConcurrencyConflictError: that call and every later one reject with it", async () => {
    const store = new MemoryStateStore();
    const [a, b] = [holder(store), holder(store)];
    await Promise.all([a.read(), b.read()]);
    await a.write();
    await expect(b.write()).rejects.toMatchObject({ code: "ConcurrencyConflict", expected: 0, actual: 1 });
    expect(b.fenced).toBeDefined();
    await expect(b.read()).rejects.toMatchObject({ code: "ConcurrencyConflict" });
    await expect(b.clear()).rejects.toMatchObject({ code: "ConcurrencyConflict" });
  });

  it("after an unknown outcome, learns from the store whether the save took effect", async () => {
    const store = faultyStateStore(new MemoryStateStore());
    const state = holder(store);
    await state.read();
    store.fail = "after";
    state.value.value = 1n;
    await expect(state.write()).rejects.toMatchObject({ code: "StoreUnavailable" });
    store.fail = undefined;
    state.value.value = 2n;
    await state.write();
    expect(state.version).toBe(2);

    store.fail = "before";
    state.value.value = 3n;
    await expect(state.write()).rejects.toMatchObject({ code: "StoreUnavailable" });
    store.fail = undefined;
    await state.write();
    expect(state.version).toBe(3);

    // Someone else wrote meanwhile: the stored bytes are not ours, so the holder is fenced.
    store.fail = "before";
    await expect(state.write()).rejects.toMatchObject({ code: "StoreUnavailable" });
    store.fail = undefined;
    await store.save("counter", codec.pack(create(Int64ValueSchema, { value: 99n })), 3);
    await expect(state.write()).rejects.toMatchObject({ code: "ConcurrencyConflict", expected: 3, actual: 4 });
  });

  it("rejects bad options with InvalidOptionError naming the field", () => {
    const store = new MemoryStateStore();
    const initial = () => create(Int64ValueSchema);
    const cases: Array<[string, () => unknown]> = [
      ["store", () => new PersistentState({ store: {} as never, key: "k", codec, initial })],
      ["key", () => new PersistentState({ store, key: "", codec, initial })],
      ["codec", () => new PersistentState({ store, key: "k", codec: {} as never, initial })],
      ["initial", () => new PersistentState({ store, key: "k", codec, initial: 1 as never })],
    ];
    for (const [field, make] of cases) expect(make, field).toThrow(expect.objectContaining({ code: "InvalidOption", field }));
  });
});
