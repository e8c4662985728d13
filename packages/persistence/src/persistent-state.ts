import { InvalidOptionError, isTsaktError } from "@tsakt/actor";
import type { PersistenceCodec } from "./codec.js";
import { ConcurrencyConflictError } from "./errors.js";
import type { StateStore } from "./state-store.js";
import { validateKey } from "./validation.js";

/** Options of PersistentState. */
export interface PersistentStateOptions<S> {
  /** Where the state is saved. */
  store: StateStore;
  /** The state's key in the store. */
  key: string;
  /** Packs the state into bytes and back (its schema must be in the codec's types, or json enabled). */
  codec: PersistenceCodec;
  /** The state before anything was saved, and after a clear. */
  initial: () => S;
}

/** What a failed save or clear left behind when its outcome is unknown (the store failed mid-call). */
interface Uncertain {
  /** The version the call expected. */
  expected: number;
  /** The bytes a save tried to store; undefined for a clear. */
  bytes: Uint8Array | undefined;
}

const noop = (): void => {};

/**
 * One persistent state held in memory, with the version it was loaded or saved at (grain state, durable-state
 * actors): `read()` loads it, `write()` saves `value` expecting that version, `clear()` deletes it. Calls run one at a
 * time in call order. A ConcurrencyConflictError means another writer saved first: the holder is then `fenced` and
 * every later call rejects with that error, since its copy is stale. A StoreUnavailableError leaves the outcome
 * unknown; the next call first reads the store to learn whether that save took effect (same version and bytes) and
 * goes on from there.
 */
export class PersistentState<S> {
  /** The state: what was loaded, or changed since; write() saves it. */
  value: S;
  /** The stored version `value` came from or was saved as; 0 when nothing is stored. */
  version = 0;
  /** Set once another writer was found to have saved first; later calls reject with it. */
  fenced: ConcurrencyConflictError | undefined = undefined;
  /** The state's key in the store. */
  readonly key: string;
  private readonly store: StateStore;
  private readonly codec: PersistenceCodec;
  private readonly initial: () => S;
  private tail: Promise<void> = Promise.resolve();
  private uncertain: Uncertain | undefined = undefined;

  constructor(options: PersistentStateOptions<S>) {
    if (typeof options !== "object" || options === null) throw new InvalidOptionError("options", "must be { store, key, codec, initial }");
    const { store, key, codec, initial } = options;
    if (typeof store?.save !== "function" || typeof store.load !== "function" || typeof store.clear !== "function")
      throw new InvalidOptionError("store", "must be a StateStore (load, save, clear)");
    validateKey("key", key);
    if (typeof codec?.pack !== "function" || typeof codec.unpack !== "function")
      throw new InvalidOptionError("codec", "must be a PersistenceCodec");
    if (typeof initial !== "function") throw new InvalidOptionError("initial", "must be a function returning the initial state");
    this.store = store;
    this.key = key;
    this.codec = codec;
    this.initial = initial;
    this.value = initial();
  }

  /** Loads the stored state (or the initial one when none is stored), replacing `value` and `version`. */
  read(): Promise<void> {
    return this.enqueue(async () => {
      const stored = await this.store.load(this.key);
      this.value = stored === undefined ? this.initial() : (this.codec.unpack(stored.bytes, this.key) as S);
      this.version = stored?.version ?? 0;
      this.uncertain = undefined;
    });
  }

  /** Saves `value` expecting `version`; rejects with ConcurrencyConflictError (and fences) when another writer saved first. */
  write(): Promise<void> {
    return this.enqueue(async () => {
      await this.settle();
      const bytes = this.codec.pack(this.value);
      try {
        this.version = await this.store.save(this.key, bytes, this.version);
      } catch (error) {
        throw this.failed(error, bytes);
      }
    });
  }

  /** Deletes the stored state and resets `value` to the initial state. */
  clear(): Promise<void> {
    return this.enqueue(async () => {
      await this.settle();
      try {
        await this.store.clear(this.key, this.version);
      } catch (error) {
        throw this.failed(error, undefined);
      }
      this.version = 0;
      this.value = this.initial();
    });
  }

  private enqueue(operation: () => Promise<void>): Promise<void> {
    const run = (): Promise<void> => (this.fenced !== undefined ? Promise.reject(this.fenced) : operation());
    const result = this.tail.then(run, run);
    this.tail = result.then(noop, noop);
    return result;
  }

  private failed(error: unknown, bytes: Uint8Array | undefined): unknown {
    if (isTsaktError(error, "ConcurrencyConflict")) this.fenced = error as ConcurrencyConflictError;
    else if (isTsaktError(error, "StoreUnavailable")) this.uncertain = { expected: this.version, bytes };
    return error;
  }

  /** After a call whose outcome is unknown: reads what the store holds to learn whether it took effect. */
  private async settle(): Promise<void> {
    const uncertain = this.uncertain;
    if (uncertain === undefined) return;
    const stored = await this.store.load(this.key);
    const actual = stored?.version ?? 0;
    this.uncertain = undefined;
    // Unchanged: the call did not take effect.
    if (actual === uncertain.expected) return;
    if (uncertain.bytes === undefined && stored === undefined) {
      this.version = 0;
      return;
    }
    if (
      uncertain.bytes !== undefined &&
      stored !== undefined &&
      actual === uncertain.expected + 1 &&
      sameBytes(stored.bytes, uncertain.bytes)
    ) {
      this.version = actual;
      return;
    }
    this.fenced = new ConcurrencyConflictError(this.key, uncertain.expected, actual);
    throw this.fenced;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
