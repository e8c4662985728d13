import { runEventJournalConformance, runSnapshotStoreConformance, runStateStoreConformance } from "@tsakt/persistence/testing";
import { PostgresEventJournal, PostgresSnapshotStore, PostgresStateStore } from "@tsakt/persistence-postgres";
import { type PostgresHandle, skipWithoutBinary, startPostgres } from "@tsakt/test-servers";
import { afterAll, beforeAll, describe } from "vitest";

describe.skipIf(skipWithoutBinary("postgres"))("against a real PostgreSQL server", () => {
  let server: PostgresHandle;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());
  const options = () => ({ connectionString: server.url, maxConnections: 4 });

  runStateStoreConformance("postgres", { create: () => new PostgresStateStore(options()) });
  runEventJournalConformance("postgres", { create: () => new PostgresEventJournal(options()) });
  runSnapshotStoreConformance("postgres", { create: () => new PostgresSnapshotStore(options()) });
});
