import { ConcurrencyConflictError, checkClear, checkSave, type StateStore, type StoredState, validateKey } from "@tsakt/persistence";
import { LmdbStoreBase } from "./lmdb-base.js";
import { decodeState, encodeState, idKey, versionOf } from "./records.js";

/** A StateStore in an LMDB file: conditional saves run inside one LMDB write transaction, serialized across processes. */
export class LmdbStateStore extends LmdbStoreBase implements StateStore {
  /** The stored state of `key`, or undefined. */
  load(key: string): Promise<StoredState | undefined> {
    validateKey("key", key);
    return this.run("load", () => {
      this.freshRead();
      const record = this.env.state.get(idKey(key));
      return record === undefined ? undefined : decodeState(record, key);
    });
  }

  /** Saves when the stored version is `expectedVersion`; returns the new version. */
  save(key: string, bytes: Uint8Array, expectedVersion: number): Promise<number> {
    checkSave(key, bytes, expectedVersion);
    const record = encodeState(expectedVersion + 1, bytes);
    const k = idKey(key);
    return this.run("save", async () => {
      const actual = await this.env.root.transaction(() => {
        const stored = versionOf(this.env.state.get(k), key);
        if (stored === expectedVersion) this.env.state.put(k, record);
        return stored;
      });
      if (actual !== expectedVersion) throw new ConcurrencyConflictError(key, expectedVersion, actual);
      return expectedVersion + 1;
    });
  }

  /** Deletes the state when its version is `expectedVersion`. */
  clear(key: string, expectedVersion: number): Promise<void> {
    checkClear(key, expectedVersion);
    const k = idKey(key);
    return this.run("clear", async () => {
      const actual = await this.env.root.transaction(() => {
        const stored = versionOf(this.env.state.get(k), key);
        if (stored === expectedVersion && stored !== 0) this.env.state.remove(k);
        return stored;
      });
      if (actual !== expectedVersion) throw new ConcurrencyConflictError(key, expectedVersion, actual);
    });
  }
}
