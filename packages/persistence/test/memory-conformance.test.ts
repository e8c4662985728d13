import { MemoryEventJournal, MemorySnapshotStore, MemoryStateStore, MemoryStorage } from "@tsakt/persistence";
import { runEventJournalConformance, runSnapshotStoreConformance, runStateStoreConformance } from "@tsakt/persistence/testing";

const storage = new MemoryStorage();

runStateStoreConformance("memory", { create: () => new MemoryStateStore({ storage }) });
runEventJournalConformance("memory", { create: () => new MemoryEventJournal({ storage }) });
runSnapshotStoreConformance("memory", { create: () => new MemorySnapshotStore({ storage }) });
