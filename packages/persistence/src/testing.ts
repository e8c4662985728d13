export {
  collect,
  expectCode,
  expectOneWinner,
  expectSameBytes,
  patterned,
  rejectionOf,
  type StoreHarness,
  uniqueKey,
} from "./testing/helpers.js";
export { runEventJournalConformance } from "./testing/journal-suite.js";
export { runSnapshotStoreConformance } from "./testing/snapshot-suite.js";
export { runStateStoreConformance } from "./testing/state-suite.js";
