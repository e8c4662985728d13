import { describe, expect, it } from "vitest";
import type { EventJournal, PersistedEvent } from "../event-journal.js";
import {
  collect,
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

/** Registers vitest tests that check an EventJournal: sequence numbers, atomic batches, races, replay ranges, deletes, close. */
export function runEventJournalConformance(name: string, harness: StoreHarness<EventJournal>): void {
  const timeout = harness.timeoutMs ?? 30_000;
  const contenders = harness.concurrency ?? 8;
  const largeBytes = harness.largePayloadBytes ?? 4 * 1024 * 1024;

  const texts = (events: PersistedEvent[]): string[] => events.map((e) => text(e.bytes));
  const seqs = (events: PersistedEvent[]): number[] => events.map((e) => e.sequenceNr);
  const batch = (label: string, n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => utf8(`${label}-${i + 1}`));

  describe(`${name} event journal conformance`, () => {
    const open = openedStores(harness);

    it("has a non-empty id and reports 0 and no events for a new persistence id", { timeout }, async () => {
      const journal = await open();
      expect(journal.id.length).toBeGreaterThan(0);
      const pid = uniqueKey("new");
      expect(await journal.highestSequenceNr(pid)).toBe(0);
      expect(await collect(journal.replay(pid, 1))).toEqual([]);
    });

    it("appends a batch at 1..n and replays it in order with type names and metadata", { timeout }, async () => {
      const journal = await open();
      const pid = uniqueKey("append");
      const highest = await journal.append(
        pid,
        [
          { bytes: utf8("opened"), typeName: "bank.Opened", metadata: { trace: "t-1", "x-user": "ann" } },
          utf8("plain"),
          { bytes: utf8("deposited"), typeName: "bank.Deposited" },
        ],
        0,
      );
      expect(highest).toBe(3);
      expect(await journal.highestSequenceNr(pid)).toBe(3);
      const events = await collect(journal.replay(pid, 1));
      expect(events.map((e) => ({ ...e, bytes: text(e.bytes) }))).toEqual([
        { persistenceId: pid, sequenceNr: 1, bytes: "opened", typeName: "bank.Opened", metadata: { trace: "t-1", "x-user": "ann" } },
        { persistenceId: pid, sequenceNr: 2, bytes: "plain", typeName: "", metadata: {} },
        { persistenceId: pid, sequenceNr: 3, bytes: "deposited", typeName: "bank.Deposited", metadata: {} },
      ]);
    });

    it("continues the sequence with the next append and rejects a stale one without appending anything", { timeout }, async () => {
      const journal = await open();
      const pid = uniqueKey("stale");
      await journal.append(pid, batch("a", 2), 0);
      expect(await journal.append(pid, batch("b", 3), 2)).toBe(5);
      const stale = await rejectionOf(() => journal.append(pid, batch("stale", 4), 2));
      expectCode(stale, "ConcurrencyConflict");
      expect(stale).toMatchObject({ key: pid, expected: 2, actual: 5 });
      expectCode(await rejectionOf(() => journal.append(pid, batch("ahead", 1), 9)), "ConcurrencyConflict");
      expect(await journal.highestSequenceNr(pid)).toBe(5);
      expect(texts(await collect(journal.replay(pid, 1)))).toEqual(["a-1", "a-2", "b-1", "b-2", "b-3"]);
    });

    it(`lets exactly one of ${contenders} concurrent appends with the same expected sequence win, whole batch only`, {
      timeout,
    }, async () => {
      const journals = [await open(), await open()];
      const pid = uniqueKey("race");
      for (const expected of [0, 3]) {
        const results = await Promise.allSettled(
          Array.from({ length: contenders }, (_, i) => journals[i % 2]!.append(pid, batch(`w${i}@${expected}`, 3), expected)),
        );
        const winner = expectOneWinner(results);
        expect((results[winner] as PromiseFulfilledResult<number>).value).toBe(expected + 3);
        const events = await collect(journals[1]!.replay(pid, expected + 1));
        expect(texts(events)).toEqual(batch(`w${winner}@${expected}`, 3).map(text));
        expect(seqs(events)).toEqual([expected + 1, expected + 2, expected + 3]);
      }
      expect(await journals[0]!.highestSequenceNr(pid)).toBe(6);
    });

    it("replays ranges: from, to, max, and ranges past the end", { timeout }, async () => {
      const journal = await open();
      const pid = uniqueKey("ranges");
      await journal.append(pid, batch("e", 10), 0);
      expect(seqs(await collect(journal.replay(pid, 4)))).toEqual([4, 5, 6, 7, 8, 9, 10]);
      expect(seqs(await collect(journal.replay(pid, 3, 5)))).toEqual([3, 4, 5]);
      expect(seqs(await collect(journal.replay(pid, 2, 9, 3)))).toEqual([2, 3, 4]);
      expect(seqs(await collect(journal.replay(pid, 0, 2)))).toEqual([1, 2]);
      expect(seqs(await collect(journal.replay(pid, 7, 7)))).toEqual([7]);
      expect(await collect(journal.replay(pid, 11))).toEqual([]);
      expect(await collect(journal.replay(pid, 6, 5))).toEqual([]);
      expect(await collect(journal.replay(pid, 1, 10, 0))).toEqual([]);
    });

    it("replays 2,000 events appended in 20 batches in order", { timeout }, async () => {
      const journal = await open();
      const pid = uniqueKey("many");
      let highest = 0;
      for (let b = 0; b < 20; b++) highest = await journal.append(pid, batch(`b${b}`, 100), highest);
      const events = await collect(journal.replay(pid, 1));
      expect(events).toHaveLength(2000);
      expect(seqs(events)).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
      expect(text(events[1234]!.bytes)).toBe("b12-35");
    });

    it("keeps persistence ids apart, also ids that are prefixes of one another", { timeout }, async () => {
      const journal = await open();
      const base = uniqueKey("apart");
      const pids = [base, `${base}-1`, `${base}/1`, `${base}1`, `${base}\u0001x`, `${base}é`];
      for (const [i, pid] of pids.entries()) await journal.append(pid, batch(`p${i}`, i + 1), 0);
      for (const [i, pid] of pids.entries()) {
        expect(await journal.highestSequenceNr(pid)).toBe(i + 1);
        const events = await collect(journal.replay(pid, 1));
        expect(texts(events)).toEqual(batch(`p${i}`, i + 1).map(text));
        expect(events.every((e) => e.persistenceId === pid)).toBe(true);
      }
    });

    it("deletes up to a sequence number, keeps the highest and continues after it", { timeout }, async () => {
      const journal = await open();
      const pid = uniqueKey("delete");
      await journal.append(pid, batch("e", 5), 0);
      await journal.deleteUpTo(pid, 3);
      expect(seqs(await collect(journal.replay(pid, 1)))).toEqual([4, 5]);
      expect(await journal.highestSequenceNr(pid)).toBe(5);
      await journal.deleteUpTo(pid, 2);
      expect(seqs(await collect(journal.replay(pid, 1)))).toEqual([4, 5]);
      await journal.deleteUpTo(pid, 100);
      expect(await collect(journal.replay(pid, 1))).toEqual([]);
      expect(await journal.highestSequenceNr(pid)).toBe(5);
      expectCode(await rejectionOf(() => journal.append(pid, batch("x", 1), 0)), "ConcurrencyConflict");
      expect(await journal.append(pid, batch("after", 2), 5)).toBe(7);
      expect(texts(await collect(journal.replay(pid, 1)))).toEqual(["after-1", "after-2"]);
      await journal.deleteUpTo(uniqueKey("never-written"), 10);
    });

    it(`round-trips a large event (${largeBytes} bytes), an empty one and every byte value`, { timeout }, async () => {
      const journal = await open();
      const pid = uniqueKey("large");
      const payloads = [patterned(largeBytes, 3), new Uint8Array(0), Uint8Array.from({ length: 256 }, (_, i) => i)];
      await journal.append(pid, payloads, 0);
      const events = await collect(journal.replay(pid, 1));
      expect(events).toHaveLength(3);
      for (const [i, payload] of payloads.entries()) expectSameBytes(events[i]!.bytes, payload, `event ${i + 1}`);
    });

    it("makes appends visible to another journal on the same backend", { timeout }, async () => {
      const [a, b] = [await open(), await open()];
      const pid = uniqueKey("shared");
      await a.append(pid, batch("a", 2), 0);
      expect(await b.highestSequenceNr(pid)).toBe(2);
      expect(await b.append(pid, batch("b", 1), 2)).toBe(3);
      expect(texts(await collect(a.replay(pid, 1)))).toEqual(["a-1", "a-2", "b-1"]);
    });

    it("is not changed by mutating the bytes after append or after replay", { timeout }, async () => {
      const journal = await open();
      const pid = uniqueKey("aliasing");
      const bytes = utf8("original");
      await journal.append(pid, [bytes], 0);
      bytes.fill(0);
      const [first] = await collect(journal.replay(pid, 1));
      first!.bytes.fill(0);
      expect(texts(await collect(journal.replay(pid, 1)))).toEqual(["original"]);
    });

    it("rejects bad arguments with InvalidOptionError naming the field", { timeout }, async () => {
      const journal = await open();
      const pid = uniqueKey("invalid");
      const cases: Array<[string, () => Promise<unknown> | AsyncIterable<unknown>]> = [
        ["persistenceId", () => journal.append("", [utf8("x")], 0)],
        ["events", () => journal.append(pid, [], 0)],
        ["events", () => journal.append(pid, "x" as never, 0)],
        ["events[1].bytes", () => journal.append(pid, [utf8("x"), { bytes: "no" as never }], 0)],
        ["events[0].metadata.n", () => journal.append(pid, [{ bytes: utf8("x"), metadata: { n: 1 as never } }], 0)],
        ["expectedSequenceNr", () => journal.append(pid, [utf8("x")], -1)],
        ["fromSequenceNr", () => journal.replay(pid, -1)],
        ["max", () => journal.replay(pid, 1, 5, 1.5)],
        ["sequenceNr", () => journal.deleteUpTo(pid, Number.POSITIVE_INFINITY)],
        ["persistenceId", () => journal.highestSequenceNr("")],
        ["persistenceId", () => journal.append(`${pid}\u0000`, [utf8("x")], 0)],
        ["events[0].typeName", () => journal.append(pid, [{ bytes: utf8("x"), typeName: "a\u0000b" }], 0)],
        ["events[0].metadata.k", () => journal.append(pid, [{ bytes: utf8("x"), metadata: { k: "\u0000" } }], 0)],
      ];
      for (const [field, run] of cases) {
        const error = await rejectionOf(run);
        expectCode(error, "InvalidOption");
        expect((error as { field?: unknown }).field).toBe(field);
      }
      expect(await journal.highestSequenceNr(pid)).toBe(0);
    });

    it("closes idempotently, also through Symbol.asyncDispose, and then rejects calls with StoreClosedError", { timeout }, async () => {
      const journal = await open();
      const pid = uniqueKey("closed");
      await journal.append(pid, [utf8("x")], 0);
      await Promise.all([journal.close(), journal[Symbol.asyncDispose]()]);
      await expect(journal.close()).resolves.toBeUndefined();
      const calls: Array<() => Promise<unknown> | AsyncIterable<unknown>> = [
        () => journal.append(pid, [utf8("y")], 1),
        () => journal.replay(pid, 1),
        () => journal.highestSequenceNr(pid),
        () => journal.deleteUpTo(pid, 1),
      ];
      for (const run of calls) expectCode(await rejectionOf(run), "StoreClosed");
      expect(await (await open()).highestSequenceNr(pid)).toBe(1);
    });
  });
}
