import { type Actor, type Context, InvalidOptionError, isTsaktError, type ReceiveContext } from "@tsakt/actor";
import { rejectSender } from "@tsakt/actor/internal";
import type { JournalEvent } from "../event-journal.js";
import { checkEventSourcedOptions, type EventSourcedOptions, type ResolvedEventSourcedOptions } from "./options.js";
import { PersistTurns } from "./turns.js";

/**
 * An actor whose state is the fold of its persisted events. Commands arrive in `onCommand`, which decides what
 * happened and calls `persist(events)`: the events are appended to the journal, then `applyEvent` folds each into
 * the state. Recovery, in preStart (so on start, after a supervisor restart, and when a relocation re-creates the
 * actor from its kind on another node), loads the latest snapshot and replays the events after it. While a command or
 * its persists run, the next messages wait in the mailbox.
 *
 * Failures: a ConcurrencyConflictError from the journal means another actor appends to the same persistence id (a
 * duplicate after a partition, say), so this one stops; a StoreUnavailableError fails the command's ask, and the next
 * command first replays what the journal holds, since the failed append may have been stored. Either way the ask
 * rejects with that typed error unless the handler caught it.
 */
export abstract class EventSourcedActor<S, E = unknown> implements Actor {
  private readonly options: ResolvedEventSourcedOptions;
  private readonly turns: PersistTurns;
  private current: S | undefined = undefined;
  private sequenceNr = 0;
  private id = "";
  private recovered = false;
  /** A failed append may have been stored: replay before the next command. */
  private catchUpDue = false;

  constructor(options: EventSourcedOptions) {
    this.options = checkEventSourcedOptions(options);
    this.turns = new PersistTurns("event-sourced actor", () => this.id);
  }

  /** The state: the initial state with every persisted event applied. */
  get state(): S {
    return this.current as S;
  }

  /** The sequence number of the last event persisted or replayed (0 when none). */
  get lastSequenceNr(): number {
    return this.sequenceNr;
  }

  /** The journal id of this actor. */
  get persistenceId(): string {
    return this.id;
  }

  /** The state before any event. */
  protected abstract initialState(): S;

  /** Folds one event into the state; runs after a persist and during recovery, so it must not have side effects. */
  protected abstract applyEvent(state: S, event: E): S;

  /** Handles one command (a message): validate, then persist the events it causes and reply. */
  protected abstract onCommand(ctx: ReceiveContext): void | Promise<void>;

  /** Runs after recovery, before the first command. Default: nothing. */
  protected onRecovered(_ctx: Context): void | Promise<void> {}

  /**
   * Appends `events` (one or several, stored atomically), applies them to the state and resolves with the new state;
   * rejects with the store's error (nothing applied) when the append fails.
   */
  protected persist(events: E | readonly E[]): Promise<S> {
    if (!this.recovered)
      return Promise.reject(new InvalidOptionError("persist", "is available once recovery finished (from onCommand or onRecovered)"));
    const list = (Array.isArray(events) ? events : [events]) as readonly E[];
    if (list.length === 0) return Promise.reject(new InvalidOptionError("events", "must hold at least one event"));
    let encoded: JournalEvent[];
    try {
      encoded = list.map((event) => this.options.codec.encodeEvent(event));
    } catch (error) {
      return Promise.reject(error);
    }
    return this.turns.enqueue(async () => {
      const from = this.sequenceNr;
      try {
        this.sequenceNr = await this.options.journal.append(this.id, encoded, from);
      } catch (error) {
        if (isTsaktError(error, "StoreUnavailable")) this.catchUpDue = true;
        throw error;
      }
      let state = this.current as S;
      for (const event of list) state = this.applyEvent(state, event);
      this.current = state;
      await this.maybeSnapshot(from, this.sequenceNr);
      return state;
    });
  }

  /** Recovery: loads the latest snapshot and replays the events after it, then runs onRecovered. Use onRecovered rather than overriding it. */
  async preStart(ctx: Context): Promise<void> {
    this.turns.ctx = ctx;
    this.id = this.options.persistenceId ?? ctx.self.path;
    this.current = this.initialState();
    this.sequenceNr = 0;
    const snapshots = this.options.snapshots;
    if (snapshots !== undefined) {
      const snapshot = await snapshots.loadLatest(this.id);
      if (snapshot !== undefined) {
        this.current = this.options.codec.unpack(snapshot.bytes, `${this.id}@${snapshot.sequenceNr}`) as S;
        this.sequenceNr = snapshot.sequenceNr;
      }
    }
    await this.replay();
    this.recovered = true;
    await this.onRecovered(ctx);
  }

  /** Hands each command to onCommand, holding the next ones while it or its persists run. Use onCommand rather than overriding it. */
  receive(ctx: ReceiveContext): void | Promise<void> {
    if (this.catchUpDue && this.turns.fenced === undefined) return this.catchUpThen(ctx);
    return this.turns.run(ctx, this.handle);
  }

  private readonly handle = (ctx: ReceiveContext): void | Promise<void> => this.onCommand(ctx);

  /** Applies the events after lastSequenceNr, and moves to the journal's highest sequence number. */
  private async replay(): Promise<void> {
    const { journal, codec } = this.options;
    let state = this.current as S;
    let last = this.sequenceNr;
    for await (const event of journal.replay(this.id, last + 1)) {
      state = this.applyEvent(state, codec.decodeEvent(event) as E);
      last = event.sequenceNr;
    }
    this.current = state;
    // Events deleted without a snapshot leave a gap; the next append must still follow the highest.
    this.sequenceNr = Math.max(last, await journal.highestSequenceNr(this.id));
  }

  private catchUpThen(ctx: ReceiveContext): Promise<void> {
    return this.replay().then(
      () => {
        this.catchUpDue = false;
        return this.turns.run(ctx, this.handle);
      },
      (error: unknown) => {
        rejectSender(ctx.sender, error);
        ctx.logger.debug(
          { actor: ctx.self.address, err: error },
          "event-sourced actor: replay before a command failed; the command is dropped",
        );
      },
    );
  }

  private async maybeSnapshot(from: number, to: number): Promise<void> {
    const { snapshotEvery: every, snapshots, codec, journal, deleteEventsOnSnapshot } = this.options;
    if (every === 0 || snapshots === undefined || Math.floor(to / every) === Math.floor(from / every)) return;
    try {
      await snapshots.save(this.id, to, codec.pack(this.current));
      await snapshots.deleteUpTo(this.id, to - 1);
      if (deleteEventsOnSnapshot) await journal.deleteUpTo(this.id, to);
    } catch (error) {
      // The events are stored; a missing snapshot only makes the next recovery replay more of them.
      this.turns.ctx?.logger.warn(
        { persistenceId: this.id, sequenceNr: to, err: error },
        "event-sourced actor: saving a snapshot failed; recovery replays the events instead",
      );
    }
  }
}
