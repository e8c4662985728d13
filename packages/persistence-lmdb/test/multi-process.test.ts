import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collect } from "@tsakt/persistence/testing";
import { openLmdbStores } from "@tsakt/persistence-lmdb";
import { spawnTsChild, type TsChild } from "@tsakt/test-servers";
import { afterEach, describe, expect, it } from "vitest";

const fixture = join(import.meta.dirname, "fixtures", "contender.ts");

interface Result {
  writer: string;
  stateWins: number[];
  journalWins: number[];
  stateConflicts: number;
  journalConflicts: number;
}

describe("three processes sharing one LMDB store", () => {
  const children: TsChild[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(children.splice(0).map((c) => c.kill()));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("loses no conditional save or append and acknowledges each version and sequence number to exactly one writer", {
    timeout: 120_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "tsakt-lmdb-mp-"));
    dirs.push(dir);
    const path = join(dir, "store");
    const goFile = join(dir, "go");
    const rounds = 100;
    const writers = ["a", "b", "c"];
    for (const writer of writers) children.push(spawnTsChild(fixture, [path, writer, String(rounds), goFile]));
    await Promise.all(children.map((c) => c.waitForLine(/^ready$/, 30_000)));
    writeFileSync(goFile, "go");
    const lines = await Promise.all(children.map((c) => c.waitForLine(/^result /, 100_000)));
    const results = lines.map((line) => JSON.parse(line.slice("result ".length)) as Result);
    const total = rounds * writers.length;

    // Every acknowledged version went to exactly one writer, and together they are 1..total without a gap.
    const versions = results.flatMap((r) => r.stateWins).sort((x, y) => x - y);
    expect(versions).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const seqs = results.flatMap((r) => r.journalWins).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    // The writers really raced: some conditional writes lost and were retried.
    expect(results.reduce((n, r) => n + r.stateConflicts + r.journalConflicts, 0)).toBeGreaterThan(0);

    await using stores = openLmdbStores({ path });
    const state = await stores.state.load("shared-counter");
    expect(state?.version).toBe(total);
    const stored = JSON.parse(new TextDecoder().decode(state!.bytes)) as { count: number; writer: string };
    expect(stored.count).toBe(total);
    expect(results.find((r) => r.stateWins.includes(total))?.writer).toBe(stored.writer);

    const events = await collect(stores.journal.replay("shared-journal", 1));
    expect(events.map((e) => e.sequenceNr)).toEqual(seqs);
    for (const event of events) {
      const writer = results.find((r) => r.journalWins.includes(event.sequenceNr))!.writer;
      expect(event.metadata.writer).toBe(writer);
      expect(new TextDecoder().decode(event.bytes)).toMatch(new RegExp(`^${writer}:\\d+$`));
    }
    expect(await stores.journal.highestSequenceNr("shared-journal")).toBe(total);
  });
});
