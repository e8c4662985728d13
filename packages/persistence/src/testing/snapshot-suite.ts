import { describe, expect, it } from "vitest";
import type { SnapshotStore } from "../snapshot-store.js";
import { expectCode, expectSameBytes, openedStores, patterned, rejectionOf, type StoreHarness, text, uniqueKey, utf8 } from "./helpers.js";

/** Registers vitest tests that check a SnapshotStore: latest by sequence number, bounds, deletes, sizes, close. */
export function runSnapshotStoreConformance(name: string, harness: StoreHarness<SnapshotStore>): void {
  const timeout = harness.timeoutMs ?? 30_000;
  const largeBytes = harness.largePayloadBytes ?? 4 * 1024 * 1024;

  describe(`${name} snapshot store conformance`, () => {
    const open = openedStores(harness);

    it("has a non-empty id and loads nothing for a new persistence id", { timeout }, async () => {
      const store = await open();
      expect(store.id.length).toBeGreaterThan(0);
      expect(await store.loadLatest(uniqueKey("none"))).toBeUndefined();
    });

    it("loads the snapshot with the highest sequence number, whatever the order of the saves", { timeout }, async () => {
      const store = await open();
      const pid = uniqueKey("latest");
      const before = Date.now();
      for (const seq of [10, 30, 20]) await store.save(pid, seq, utf8(`s${seq}`));
      const latest = await store.loadLatest(pid);
      expect({ persistenceId: latest?.persistenceId, sequenceNr: latest?.sequenceNr, bytes: text(latest!.bytes) }).toEqual({
        persistenceId: pid,
        sequenceNr: 30,
        bytes: "s30",
      });
      expect(latest!.timestamp).toBeGreaterThanOrEqual(before - 1000);
      expect(latest!.timestamp).toBeLessThanOrEqual(Date.now() + 1000);
    });

    it("honours maxSequenceNr", { timeout }, async () => {
      const store = await open();
      const pid = uniqueKey("bounded");
      for (const seq of [5, 10, 15]) await store.save(pid, seq, utf8(`s${seq}`));
      expect((await store.loadLatest(pid, 14))?.sequenceNr).toBe(10);
      expect((await store.loadLatest(pid, 10))?.sequenceNr).toBe(10);
      expect((await store.loadLatest(pid, 100))?.sequenceNr).toBe(15);
      expect(await store.loadLatest(pid, 4)).toBeUndefined();
    });

    it("replaces a snapshot saved again at the same sequence number", { timeout }, async () => {
      const store = await open();
      const pid = uniqueKey("replace");
      await store.save(pid, 7, utf8("first"));
      await store.save(pid, 7, utf8("second"));
      expect(text((await store.loadLatest(pid))!.bytes)).toBe("second");
    });

    it("deletes snapshots up to a sequence number and keeps the later ones", { timeout }, async () => {
      const store = await open();
      const pid = uniqueKey("delete");
      for (const seq of [1, 2, 3, 4]) await store.save(pid, seq, utf8(`s${seq}`));
      await store.deleteUpTo(pid, 3);
      expect((await store.loadLatest(pid))?.sequenceNr).toBe(4);
      expect(await store.loadLatest(pid, 3)).toBeUndefined();
      await store.deleteUpTo(pid, 4);
      expect(await store.loadLatest(pid)).toBeUndefined();
      await store.deleteUpTo(uniqueKey("never-written"), 4);
    });

    it("keeps persistence ids apart, also ids that are prefixes of one another", { timeout }, async () => {
      const store = await open();
      const base = uniqueKey("apart");
      const pids = [base, `${base}-1`, `${base}/1`, `${base}1`];
      for (const [i, pid] of pids.entries()) await store.save(pid, 100 - i, utf8(`p${i}`));
      for (const [i, pid] of pids.entries()) {
        const latest = await store.loadLatest(pid);
        expect({ seq: latest?.sequenceNr, text: text(latest!.bytes) }).toEqual({ seq: 100 - i, text: `p${i}` });
      }
      await store.deleteUpTo(base, 1000);
      expect(await store.loadLatest(base)).toBeUndefined();
      expect((await store.loadLatest(`${base}-1`))?.sequenceNr).toBe(99);
    });

    it(`round-trips a large snapshot (${largeBytes} bytes) and an empty one, visible to another store`, { timeout }, async () => {
      const [a, b] = [await open(), await open()];
      const large = patterned(largeBytes, 11);
      const pid = uniqueKey("large");
      await a.save(pid, 1, large);
      expectSameBytes((await b.loadLatest(pid))?.bytes, large, "large snapshot");
      const empty = uniqueKey("empty");
      await a.save(empty, 1, new Uint8Array(0));
      expectSameBytes((await b.loadLatest(empty))?.bytes, new Uint8Array(0), "empty snapshot");
    });

    it("rejects bad arguments with InvalidOptionError naming the field", { timeout }, async () => {
      const store = await open();
      const pid = uniqueKey("invalid");
      const cases: Array<[string, () => Promise<unknown>]> = [
        ["persistenceId", () => store.save("", 1, utf8("x"))],
        ["sequenceNr", () => store.save(pid, -1, utf8("x"))],
        ["bytes", () => store.save(pid, 1, [1, 2] as never)],
        ["maxSequenceNr", () => store.loadLatest(pid, 2.5)],
        ["sequenceNr", () => store.deleteUpTo(pid, Number.NaN)],
      ];
      for (const [field, run] of cases) {
        const error = await rejectionOf(run);
        expectCode(error, "InvalidOption");
        expect((error as { field?: unknown }).field).toBe(field);
      }
      expect(await store.loadLatest(pid)).toBeUndefined();
    });

    it("closes idempotently, also through Symbol.asyncDispose, and then rejects calls with StoreClosedError", { timeout }, async () => {
      const store = await open();
      const pid = uniqueKey("closed");
      await store.save(pid, 1, utf8("x"));
      await Promise.all([store.close(), store[Symbol.asyncDispose]()]);
      await expect(store.close()).resolves.toBeUndefined();
      for (const run of [() => store.save(pid, 2, utf8("y")), () => store.loadLatest(pid), () => store.deleteUpTo(pid, 1)])
        expectCode(await rejectionOf(run), "StoreClosed");
      expect((await (await open()).loadLatest(pid))?.sequenceNr).toBe(1);
    });
  });
}
