import { checkClear, checkSave } from "./arguments.js";
import { ConcurrencyConflictError } from "./errors.js";
import { MemoryStoreBase } from "./memory-base.js";
import { copyBytes } from "./memory-storage.js";
import type { StateStore, StoredState } from "./state-store.js";
import { validateKey } from "./validation.js";

/** A StateStore in this process's memory: for tests, and as the reference the conformance suite is written against. */
export class MemoryStateStore extends MemoryStoreBase implements StateStore {
  /** The stored state of `key` (a copy), or undefined. */
  async load(key: string): Promise<StoredState | undefined> {
    validateKey("key", key);
    this.ensureOpen("load");
    const stored = this.storage.states.get(key);
    return stored === undefined ? undefined : { bytes: copyBytes(stored.bytes), version: stored.version };
  }

  /** Saves when the stored version is `expectedVersion`; returns the new version. */
  async save(key: string, bytes: Uint8Array, expectedVersion: number): Promise<number> {
    checkSave(key, bytes, expectedVersion);
    this.ensureOpen("save");
    const actual = this.storage.states.get(key)?.version ?? 0;
    if (actual !== expectedVersion) throw new ConcurrencyConflictError(key, expectedVersion, actual);
    const version = expectedVersion + 1;
    this.storage.states.set(key, { bytes: copyBytes(bytes), version });
    return version;
  }

  /** Deletes the state when its version is `expectedVersion`. */
  async clear(key: string, expectedVersion: number): Promise<void> {
    checkClear(key, expectedVersion);
    this.ensureOpen("clear");
    const actual = this.storage.states.get(key)?.version ?? 0;
    if (actual !== expectedVersion) throw new ConcurrencyConflictError(key, expectedVersion, actual);
    this.storage.states.delete(key);
  }
}
