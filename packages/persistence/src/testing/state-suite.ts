import { describe, expect, it } from "vitest";
import type { StateStore } from "../state-store.js";
import {
  expectCode,
  expectOneWinner,
  expectSameBytes,
  openedStores,
  patterned,
  rejectionOf,
  type StoreHarness,
  text,
  uniqueKey,
  utf8,
} from "./helpers.js";

/** Registers vitest tests that check a StateStore against the contract: versions, conflicts, races, sizes, close. */
export function runStateStoreConformance(name: string, harness: StoreHarness<StateStore>): void {
  const timeout = harness.timeoutMs ?? 30_000;
  const contenders = harness.concurrency ?? 8;
  const largeBytes = harness.largePayloadBytes ?? 4 * 1024 * 1024;

  describe(`${name} state store conformance`, () => {
    const open = openedStores(harness);

    it("has a non-empty id", { timeout }, async () => {
      const store = await open();
      expect(typeof store.id).toBe("string");
      expect(store.id.length).toBeGreaterThan(0);
    });

    it("loads nothing for a key that was never saved", { timeout }, async () => {
      const store = await open();
      expect(await store.load(uniqueKey("missing"))).toBeUndefined();
    });

    it("saves with version 0 as version 1 and loads the same bytes back", { timeout }, async () => {
      const store = await open();
      const key = uniqueKey("first");
      expect(await store.save(key, utf8("hello"), 0)).toBe(1);
      const loaded = await store.load(key);
      expect(loaded?.version).toBe(1);
      expect(text(loaded!.bytes)).toBe("hello");
    });

    it("grows the version by one per save and keeps only the latest bytes", { timeout }, async () => {
      const store = await open();
      const key = uniqueKey("versions");
      let version = 0;
      for (let i = 1; i <= 5; i++) {
        version = await store.save(key, utf8(`v${i}`), version);
        expect(version).toBe(i);
      }
      const loaded = await store.load(key);
      expect({ version: loaded?.version, text: text(loaded!.bytes) }).toEqual({ version: 5, text: "v5" });
    });

    it("rejects a stale version with ConcurrencyConflictError and keeps the stored state", { timeout }, async () => {
      const store = await open();
      const key = uniqueKey("stale");
      await store.save(key, utf8("one"), 0);
      await store.save(key, utf8("two"), 1);
      const stale = await rejectionOf(() => store.save(key, utf8("stale"), 1));
      expectCode(stale, "ConcurrencyConflict");
      expect(stale).toMatchObject({ key, expected: 1, actual: 2 });
      const ahead = await rejectionOf(() => store.save(key, utf8("ahead"), 7));
      expectCode(ahead, "ConcurrencyConflict");
      const loaded = await store.load(key);
      expect({ version: loaded?.version, text: text(loaded!.bytes) }).toEqual({ version: 2, text: "two" });
    });

    it("rejects version 0 for an existing key and a non-zero version for a missing key", { timeout }, async () => {
      const store = await open();
      const key = uniqueKey("exists");
      await store.save(key, utf8("x"), 0);
      expectCode(await rejectionOf(() => store.save(key, utf8("again"), 0)), "ConcurrencyConflict");
      const missing = uniqueKey("missing");
      const error = await rejectionOf(() => store.save(missing, utf8("x"), 1));
      expectCode(error, "ConcurrencyConflict");
      expect(error).toMatchObject({ key: missing, expected: 1, actual: 0 });
      expect(await store.load(missing)).toBeUndefined();
    });

    it("clears with the current version, after which the key saves again from 0", { timeout }, async () => {
      const store = await open();
      const key = uniqueKey("clear");
      await store.save(key, utf8("a"), 0);
      await store.save(key, utf8("b"), 1);
      expectCode(await rejectionOf(() => store.clear(key, 1)), "ConcurrencyConflict");
      expect((await store.load(key))?.version).toBe(2);
      await store.clear(key, 2);
      expect(await store.load(key)).toBeUndefined();
      expectCode(await rejectionOf(() => store.save(key, utf8("c"), 2)), "ConcurrencyConflict");
      expect(await store.save(key, utf8("c"), 0)).toBe(1);
    });

    it("treats clearing a missing key with version 0 as done and with another version as a conflict", { timeout }, async () => {
      const store = await open();
      const key = uniqueKey("clear-missing");
      await expect(store.clear(key, 0)).resolves.toBeUndefined();
      expectCode(await rejectionOf(() => store.clear(key, 3)), "ConcurrencyConflict");
    });

    it(`lets exactly one of ${contenders} concurrent saves with the same version win, twice in a row`, { timeout }, async () => {
      const stores = [await open(), await open()];
      const key = uniqueKey("race");
      for (const [round, expected] of [0, 1].entries()) {
        const results = await Promise.allSettled(
          Array.from({ length: contenders }, (_, i) => stores[i % 2]!.save(key, utf8(`round${round}-writer${i}`), expected)),
        );
        const winner = expectOneWinner(results);
        expect((results[winner] as PromiseFulfilledResult<number>).value).toBe(expected + 1);
        const loaded = await stores[1]!.load(key);
        expect({ version: loaded?.version, text: text(loaded!.bytes) }).toEqual({
          version: expected + 1,
          text: `round${round}-writer${winner}`,
        });
      }
    });

    it("lets exactly one of several concurrent clears with the same version win", { timeout }, async () => {
      const stores = [await open(), await open()];
      const key = uniqueKey("clear-race");
      await stores[0]!.save(key, utf8("x"), 0);
      const results = await Promise.allSettled(Array.from({ length: contenders }, (_, i) => stores[i % 2]!.clear(key, 1)));
      expectOneWinner(results);
      expect(await stores[0]!.load(key)).toBeUndefined();
    });

    it("makes a save visible to another store on the same backend", { timeout }, async () => {
      const [a, b] = [await open(), await open()];
      const key = uniqueKey("shared");
      await a.save(key, utf8("from a"), 0);
      const loaded = await b.load(key);
      expect({ version: loaded?.version, text: text(loaded!.bytes) }).toEqual({ version: 1, text: "from a" });
      expect(await b.save(key, utf8("from b"), 1)).toBe(2);
      expect(text((await a.load(key))!.bytes)).toBe("from b");
    });

    it(`round-trips a large payload (${largeBytes} bytes), an empty one and every byte value`, { timeout }, async () => {
      const store = await open();
      const cases: Array<[string, Uint8Array]> = [
        ["large", patterned(largeBytes, 7)],
        ["empty", new Uint8Array(0)],
        ["all-bytes", Uint8Array.from({ length: 256 }, (_, i) => i)],
      ];
      for (const [label, bytes] of cases) {
        const key = uniqueKey(label);
        await store.save(key, bytes, 0);
        expectSameBytes((await store.load(key))?.bytes, bytes, label);
      }
    });

    it("keeps many keys apart, also keys that are prefixes of one another", { timeout }, async () => {
      const store = await open();
      const base = uniqueKey("many");
      const keys = Array.from({ length: 200 }, (_, i) => (i % 4 === 0 ? `${base}/${i}` : `${base}/${i}/ünï-çødé ${"x".repeat(i % 7)}`));
      keys.push(base, `${base}/`, `${base}/1`, `${base}/10`);
      const unique = [...new Set(keys)];
      await Promise.all(unique.map((key, i) => store.save(key, utf8(`value-${i}`), 0)));
      const loaded = await Promise.all(unique.map((key) => store.load(key)));
      expect(loaded.map((s) => (s === undefined ? undefined : text(s.bytes)))).toEqual(unique.map((_, i) => `value-${i}`));
    });

    it("is not changed by mutating the bytes after save or after load", { timeout }, async () => {
      const store = await open();
      const key = uniqueKey("aliasing");
      const bytes = utf8("original");
      await store.save(key, bytes, 0);
      bytes.fill(0);
      const first = await store.load(key);
      first!.bytes.fill(0);
      expect(text((await store.load(key))!.bytes)).toBe("original");
    });

    it("rejects bad arguments with InvalidOptionError naming the field", { timeout }, async () => {
      const store = await open();
      const key = uniqueKey("invalid");
      const cases: Array<[string, () => Promise<unknown>]> = [
        ["key", () => store.save("", utf8("x"), 0)],
        ["key", () => store.load(undefined as never)],
        ["key", () => store.save("k".repeat(2000), utf8("x"), 0)],
        ["key", () => store.save("nul\u0000key", utf8("x"), 0)],
        ["bytes", () => store.save(key, "text" as never, 0)],
        ["expectedVersion", () => store.save(key, utf8("x"), -1)],
        ["expectedVersion", () => store.save(key, utf8("x"), 1.5)],
        ["expectedVersion", () => store.clear(key, Number.NaN)],
      ];
      for (const [field, run] of cases) {
        const error = await rejectionOf(run);
        expectCode(error, "InvalidOption");
        expect((error as { field?: unknown }).field).toBe(field);
      }
      expect(await store.load(key)).toBeUndefined();
    });

    it("closes idempotently, also through Symbol.asyncDispose, and then rejects calls with StoreClosedError", { timeout }, async () => {
      const store = await open();
      const key = uniqueKey("closed");
      await store.save(key, utf8("x"), 0);
      await Promise.all([store.close(), store[Symbol.asyncDispose]()]);
      await expect(store.close()).resolves.toBeUndefined();
      for (const run of [() => store.load(key), () => store.save(key, utf8("y"), 1), () => store.clear(key, 1)])
        expectCode(await rejectionOf(run), "StoreClosed");
      const other = await open();
      expect(text((await other.load(key))!.bytes)).toBe("x");
    });
  });
}
