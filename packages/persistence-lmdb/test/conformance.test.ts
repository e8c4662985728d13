import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runEventJournalConformance, runSnapshotStoreConformance, runStateStoreConformance } from "@tsakt/persistence/testing";
import { LmdbEventJournal, LmdbSnapshotStore, LmdbStateStore } from "@tsakt/persistence-lmdb";
import { afterAll } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "tsakt-lmdb-conformance-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const path = join(dir, "store");

runStateStoreConformance("lmdb", { create: () => new LmdbStateStore({ path }) });
runEventJournalConformance("lmdb", { create: () => new LmdbEventJournal({ path }) });
runSnapshotStoreConformance("lmdb", { create: () => new LmdbSnapshotStore({ path }) });
