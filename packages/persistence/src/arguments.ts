import { InvalidOptionError } from "@tsakt/actor";
import type { JournalEvent } from "./event-journal.js";
import { validateBytes, validateCount, validateKey, validateText } from "./validation.js";

/** An event after argument checking: type name and metadata always present. */
export interface NormalizedEvent {
  /** The serialized event. */
  bytes: Uint8Array;
  /** The type name, "" when none was given. */
  typeName: string;
  /** The metadata, {} when none was given. */
  metadata: Record<string, string>;
}

/** Checks the arguments of StateStore.save; every backend calls it so bad input fails the same way everywhere. */
export function checkSave(key: unknown, bytes: unknown, expectedVersion: unknown): void {
  validateKey("key", key);
  validateBytes("bytes", bytes);
  validateCount("expectedVersion", expectedVersion);
}

/** Checks the arguments of StateStore.clear. */
export function checkClear(key: unknown, expectedVersion: unknown): void {
  validateKey("key", key);
  validateCount("expectedVersion", expectedVersion);
}

/** Checks the arguments of EventJournal.append and returns the events with type name and metadata filled in. */
export function checkAppend(persistenceId: unknown, events: unknown, expectedSequenceNr: unknown): NormalizedEvent[] {
  validateKey("persistenceId", persistenceId);
  validateCount("expectedSequenceNr", expectedSequenceNr);
  if (!Array.isArray(events) || events.length === 0) throw new InvalidOptionError("events", "must be a non-empty array");
  return events.map((event: unknown, i) => normalizeEvent(`events[${i}]`, event));
}

/** Checks the arguments of EventJournal.replay and returns the inclusive range and the limit (Infinity when none). */
export function checkReplay(
  persistenceId: unknown,
  fromSequenceNr: unknown,
  toSequenceNr: unknown,
  max: unknown,
): { from: number; to: number; max: number } {
  validateKey("persistenceId", persistenceId);
  validateCount("fromSequenceNr", fromSequenceNr);
  if (toSequenceNr !== undefined) validateCount("toSequenceNr", toSequenceNr);
  if (max !== undefined) validateCount("max", max);
  return {
    from: Math.max(1, fromSequenceNr as number),
    to: (toSequenceNr as number | undefined) ?? Number.MAX_SAFE_INTEGER,
    max: (max as number | undefined) ?? Number.POSITIVE_INFINITY,
  };
}

/** Checks a persistence id and a sequence number (deleteUpTo, snapshot save). */
export function checkSequence(persistenceId: unknown, sequenceNr: unknown, field = "sequenceNr"): void {
  validateKey("persistenceId", persistenceId);
  validateCount(field, sequenceNr);
}

/** Checks the arguments of SnapshotStore.save. */
export function checkSnapshotSave(persistenceId: unknown, sequenceNr: unknown, bytes: unknown): void {
  checkSequence(persistenceId, sequenceNr);
  validateBytes("bytes", bytes);
}

/** Checks the arguments of SnapshotStore.loadLatest and returns the bound (MAX_SAFE_INTEGER when none). */
export function checkLoadLatest(persistenceId: unknown, maxSequenceNr: unknown): number {
  validateKey("persistenceId", persistenceId);
  if (maxSequenceNr === undefined) return Number.MAX_SAFE_INTEGER;
  validateCount("maxSequenceNr", maxSequenceNr);
  return maxSequenceNr;
}

function normalizeEvent(field: string, event: unknown): NormalizedEvent {
  if (event instanceof Uint8Array) return { bytes: event, typeName: "", metadata: {} };
  if (typeof event !== "object" || event === null)
    throw new InvalidOptionError(field, "must be a Uint8Array or { bytes, typeName?, metadata? }");
  const { bytes, typeName, metadata } = event as JournalEvent;
  validateBytes(`${field}.bytes`, bytes);
  if (typeName !== undefined) validateText(`${field}.typeName`, typeName);
  const meta: Record<string, string> = {};
  if (metadata !== undefined) {
    if (typeof metadata !== "object" || metadata === null)
      throw new InvalidOptionError(`${field}.metadata`, "must be an object of strings");
    for (const [name, value] of Object.entries(metadata)) {
      validateText(`${field}.metadata`, name);
      validateText(`${field}.metadata.${name}`, value);
      meta[name] = value;
    }
  }
  return { bytes, typeName: typeName ?? "", metadata: meta };
}
