import { type Actor, type Context, InvalidOptionError, isTsaktError, type ReceiveContext } from "@tsakt/actor";
import { rejectSender } from "@tsakt/actor/internal";
import { PersistentState } from "../persistent-state.js";
import { checkDurableOptions, type DurableStateOptions } from "./options.js";
import { PersistTurns } from "./turns.js";

/**
 * An actor whose whole state is saved on every change (Akka's durable state): `onCommand` computes the new state and
 * calls `persist(state)`, which saves it expecting the stored version and only then makes it `state`. preStart loads
 * it, so it is back after a restart and when a relocation re-creates the actor from its kind on another node. While a
 * command or its saves run, the next messages wait in the mailbox.
 *
 * Failures: a ConcurrencyConflictError means another writer saved to the same key first (a duplicate after a
 * partition), so this actor stops; a StoreUnavailableError fails the command's ask, and the next command first reloads
 * the state, since the failed save may have been stored.
 */
export abstract class DurableStateActor<S> implements Actor {
  private readonly options: DurableStateOptions;
  private readonly turns: PersistTurns;
  private holder: PersistentState<S> | undefined = undefined;
  private id = "";
  /** A failed save may have been stored: reload before the next command. */
  private reloadDue = false;

  constructor(options: DurableStateOptions) {
    this.options = checkDurableOptions(options);
    this.turns = new PersistTurns("durable-state actor", () => this.id);
  }

  /** The last saved (or loaded) state. */
  get state(): S {
    return (this.holder as PersistentState<S>).value;
  }

  /** The stored version of `state` (0 when nothing is stored). */
  get version(): number {
    return this.holder?.version ?? 0;
  }

  /** The state's key in the store. */
  get persistenceId(): string {
    return this.id;
  }

  /** The state when nothing is stored. */
  protected abstract initialState(): S;

  /** Handles one command (a message): compute the new state, persist it, reply. */
  protected abstract onCommand(ctx: ReceiveContext): void | Promise<void>;

  /** Runs after the state was loaded, before the first command. Default: nothing. */
  protected onRecovered(_ctx: Context): void | Promise<void> {}

  /** Saves `state` as the whole new state and then makes it `state`; rejects with the store's error (state unchanged) when the save fails. */
  protected persist(state: S): Promise<void> {
    const holder = this.holder;
    if (holder === undefined)
      return Promise.reject(new InvalidOptionError("persist", "is available once the state was loaded (from onCommand or onRecovered)"));
    return this.turns.enqueue(async () => {
      const previous = holder.value;
      holder.value = state;
      try {
        await holder.write();
      } catch (error) {
        holder.value = previous;
        if (isTsaktError(error, "StoreUnavailable")) this.reloadDue = true;
        throw error;
      }
    });
  }

  /** Deletes the stored state; `state` becomes the initial state again. */
  protected deleteState(): Promise<void> {
    const holder = this.holder;
    if (holder === undefined) return Promise.reject(new InvalidOptionError("deleteState", "is available once the state was loaded"));
    return this.turns.enqueue(async () => {
      try {
        await holder.clear();
      } catch (error) {
        if (isTsaktError(error, "StoreUnavailable")) this.reloadDue = true;
        throw error;
      }
    });
  }

  /** Loads the stored state, then runs onRecovered. Use onRecovered rather than overriding it. */
  async preStart(ctx: Context): Promise<void> {
    this.turns.ctx = ctx;
    this.id = this.options.persistenceId ?? ctx.self.path;
    const holder = new PersistentState<S>({
      store: this.options.store,
      key: this.id,
      codec: this.options.codec,
      initial: () => this.initialState(),
    });
    await holder.read();
    this.holder = holder;
    await this.onRecovered(ctx);
  }

  /** Hands each command to onCommand, holding the next ones while it or its saves run. Use onCommand rather than overriding it. */
  receive(ctx: ReceiveContext): void | Promise<void> {
    if (this.reloadDue && this.turns.fenced === undefined) return this.reloadThen(ctx);
    return this.turns.run(ctx, this.handle);
  }

  private readonly handle = (ctx: ReceiveContext): void | Promise<void> => this.onCommand(ctx);

  private reloadThen(ctx: ReceiveContext): Promise<void> {
    return (this.holder as PersistentState<S>).read().then(
      () => {
        this.reloadDue = false;
        return this.turns.run(ctx, this.handle);
      },
      (error: unknown) => {
        rejectSender(ctx.sender, error);
        ctx.logger.debug(
          { actor: ctx.self.address, err: error },
          "durable-state actor: reloading before a command failed; the command is dropped",
        );
      },
    );
  }
}
