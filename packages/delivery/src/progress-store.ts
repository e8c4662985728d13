import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { StateStore } from "@tsakt/persistence";
import { ConsumerProgressError } from "./errors.js";
import { ConsumerProgressSchema } from "./gen/tsakt/delivery/v1/delivery_pb.js";

/** What a consumer stored about one producer, with the store's version of the record. */
export interface StoredProgress {
  readonly session: number;
  readonly durable: boolean;
  readonly processed: number;
  readonly version: number;
}

/** The progress store key of `consumer`'s progress with `producerId`. */
export const progressKey = (consumer: string, producerId: string): string => `delivery-consumer/${consumer}/${producerId}`;

/** Reads a consumer's stored progress with one producer; undefined when there is none. */
export async function loadProgress(store: StateStore, key: string): Promise<StoredProgress | undefined> {
  let stored: Awaited<ReturnType<StateStore["load"]>>;
  try {
    stored = await store.load(key);
  } catch (error) {
    throw new ConsumerProgressError(key, "load", { cause: error });
  }
  if (stored === undefined) return undefined;
  try {
    const p = fromBinary(ConsumerProgressSchema, stored.bytes);
    return { session: p.session, durable: p.durable, processed: p.processed, version: stored.version };
  } catch (error) {
    throw new ConsumerProgressError(key, "decode", { cause: error });
  }
}

/** The part of a consumer's session a writer stores. */
export interface WrittenSession {
  session: number;
  durable: boolean;
  processed: number;
}

/**
 * Writes one consumer's progress with one producer: one save at a time, each storing the latest `processed`, so
 * writes requested while one runs are coalesced into the next. `written` is the highest processed number stored.
 */
export class ProgressWriter {
  written: number;
  private running: Promise<ConsumerProgressError | undefined> | undefined = undefined;
  private failure: ConsumerProgressError | undefined = undefined;

  constructor(
    private readonly store: StateStore,
    readonly key: string,
    private readonly session: WrittenSession,
    /** The stored record's version (0 when none). */
    private version: number,
    /** Told after each save with the highest processed number it stored. */
    private readonly onWritten: (written: number) => void,
    /** Told once when a save failed; the writer then stops writing. */
    private readonly onFailed: (error: ConsumerProgressError) => void,
  ) {
    this.written = session.processed;
  }

  /** Stores the session's current `processed` (after the save running now, if any); resolves once it is stored, with the error when a save failed. */
  request(): Promise<ConsumerProgressError | undefined> {
    if (this.running === undefined) {
      if (this.failure !== undefined || this.written >= this.session.processed) return Promise.resolve(this.failure);
      this.running = this.loop();
    }
    return this.running;
  }

  /** Resolves once no save is running. */
  async idle(): Promise<void> {
    await this.running;
  }

  /** Deletes the record once no save runs (the producer ended); a failure is returned, not thrown. */
  async clear(): Promise<ConsumerProgressError | undefined> {
    await this.idle();
    if (this.failure !== undefined) return this.failure;
    this.failure = new ConsumerProgressError(this.key, "write after clearing"); // no save after this
    try {
      await this.store.clear(this.key, this.version);
      return undefined;
    } catch (error) {
      return new ConsumerProgressError(this.key, "clear", { cause: error });
    }
  }

  /** Saves until the stored number is the latest; ends (and clears `running`) in the same turn as its last check. */
  private async loop(): Promise<ConsumerProgressError | undefined> {
    for (;;) {
      const { session, durable, processed } = this.session;
      try {
        const bytes = toBinary(ConsumerProgressSchema, create(ConsumerProgressSchema, { session, durable, processed }));
        this.version = await this.store.save(this.key, bytes, this.version);
      } catch (error) {
        this.failure = new ConsumerProgressError(this.key, "save", { cause: error });
        this.running = undefined;
        this.onFailed(this.failure);
        return this.failure;
      }
      this.written = processed;
      this.onWritten(processed);
      if (this.failure !== undefined || this.written >= this.session.processed) {
        this.running = undefined;
        return this.failure;
      }
    }
  }
}
