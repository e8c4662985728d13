import { create } from "@bufbuild/protobuf";
import { type Int64Value, Int64ValueSchema } from "@bufbuild/protobuf/wkt";
import type { Context, ReceiveContext } from "@tsakt/actor";
import {
  DurableStateActor,
  type DurableStateOptions,
  type EventJournal,
  EventSourcedActor,
  type EventSourcedOptions,
  type JournalEvent,
  MemoryEventJournal,
  type PersistedEvent,
  PersistenceCodec,
  type StateStore,
  StoreUnavailableError,
} from "@tsakt/persistence";

/** A ledger's state: how many deposits, their sum, and an order-sensitive digest of them (JSON, so snapshots need no schema). */
export interface LedgerState {
  count: number;
  sum: number;
  digest: number;
}

/** Deposits are Int64Value events; the state is JSON. */
export const ledgerCodec = new PersistenceCodec({ types: [Int64ValueSchema], json: true });

/** Commands: a number deposits it, an array of numbers deposits them as one atomic batch, "get" answers the state, "boom" throws. */
export class Ledger extends EventSourcedActor<LedgerState, Int64Value> {
  /** applyEvent calls made while recovering (in preStart), to tell a snapshot's effect. */
  replayed = 0;
  private recovering = true;

  constructor(
    options: EventSourcedOptions,
    private readonly fireAndForget = false,
  ) {
    super(options);
  }

  protected initialState(): LedgerState {
    return { count: 0, sum: 0, digest: 17 };
  }

  protected applyEvent(state: LedgerState, event: Int64Value): LedgerState {
    if (this.recovering) this.replayed++;
    const amount = Number(event.value);
    return { count: state.count + 1, sum: state.sum + amount, digest: (Math.imul(state.digest, 31) + amount) >>> 0 };
  }

  protected override onRecovered(_ctx: Context): void {
    this.recovering = false;
  }

  protected async onCommand(ctx: ReceiveContext): Promise<void> {
    const m = ctx.message;
    if (m === "get") ctx.respond({ ...this.state, seq: this.lastSequenceNr });
    else if (m === "boom") throw new Error("boom");
    else if (typeof m === "number" || Array.isArray(m)) {
      const events = (Array.isArray(m) ? m : [m]).map((value: number) => create(Int64ValueSchema, { value: BigInt(value) }));
      if (this.fireAndForget) {
        // Not awaited: the actor still holds the next message until the append is done.
        void this.persist(events);
        ctx.respond("accepted");
        return;
      }
      const state = await this.persist(events);
      ctx.respond(state.sum);
    } else ctx.unhandled();
  }
}

/** The state a Ledger reaches from `amounts`, computed directly. */
export function expectedLedger(amounts: readonly number[]): LedgerState {
  let state: LedgerState = { count: 0, sum: 0, digest: 17 };
  for (const amount of amounts)
    state = { count: state.count + 1, sum: state.sum + amount, digest: (Math.imul(state.digest, 31) + amount) >>> 0 };
  return state;
}

/** A cart kept as durable state (JSON): a string adds an item, "get" answers it, "empty" deletes it. */
export class Cart extends DurableStateActor<{ items: string[] }> {
  constructor(options: DurableStateOptions) {
    super(options);
  }

  protected initialState(): { items: string[] } {
    return { items: [] };
  }

  protected async onCommand(ctx: ReceiveContext): Promise<void> {
    const m = ctx.message;
    if (m === "get") ctx.respond({ items: this.state.items, version: this.version });
    else if (m === "empty") {
      await this.deleteState();
      ctx.respond(this.version);
    } else if (typeof m === "string") {
      await this.persist({ items: [...this.state.items, m] });
      ctx.respond(this.version);
    } else ctx.unhandled();
  }
}

/** A promise with its resolve exposed. */
export function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/**
 * A MemoryEventJournal that can fail appends with StoreUnavailableError, before storing (`"before"`) or after storing
 * (`"after"`: the reply was lost), and hold appends until a gate opens: the outcomes a real backend's outage produces.
 */
export class FaultyJournal extends MemoryEventJournal implements EventJournal {
  fail: "before" | "after" | undefined = undefined;
  hold: Promise<void> | undefined = undefined;

  override async append(persistenceId: string, events: ReadonlyArray<Uint8Array | JournalEvent>, expected: number): Promise<number> {
    if (this.hold !== undefined) await this.hold;
    if (this.fail === "before") throw new StoreUnavailableError("memory", "append", new Error("injected outage"));
    const highest = await super.append(persistenceId, events, expected);
    if (this.fail === "after") throw new StoreUnavailableError("memory", "append", new Error("injected lost reply"));
    return highest;
  }

  override replay(persistenceId: string, from: number, to?: number, max?: number): AsyncIterable<PersistedEvent> {
    if (this.fail === "before") {
      return {
        [Symbol.asyncIterator]: () => ({
          next: () => Promise.reject(new StoreUnavailableError("memory", "replay", new Error("injected outage"))),
        }),
      };
    }
    return super.replay(persistenceId, from, to, max);
  }
}

/** A StateStore wrapper that fails saves with StoreUnavailableError after storing them (`"after"`: the reply was lost), or fails saves and loads (`"before"`: the store is down). */
export function faultyStateStore(inner: StateStore): StateStore & { fail: "before" | "after" | undefined } {
  const store = {
    id: inner.id,
    fail: undefined as "before" | "after" | undefined,
    load: (key: string) =>
      store.fail === "before" ? Promise.reject(new StoreUnavailableError("memory", "load", new Error("down"))) : inner.load(key),
    async save(key: string, bytes: Uint8Array, expected: number) {
      if (store.fail === "before") throw new StoreUnavailableError("memory", "save", new Error("down"));
      const version = await inner.save(key, bytes, expected);
      if (store.fail === "after") throw new StoreUnavailableError("memory", "save", new Error("lost reply"));
      return version;
    },
    clear: (key: string, expected: number) => inner.clear(key, expected),
    close: () => inner.close(),
    [Symbol.asyncDispose]: () => inner.close(),
  };
  return store;
}
