import { isMessage } from "@bufbuild/protobuf";
import { type Context, isTsaktError, PostStartSchema, type ReceiveContext } from "@tsakt/actor";
import { rejectSender } from "@tsakt/actor/internal";

const storeCodes = new Set(["ConcurrencyConflict", "StoreUnavailable", "StoreClosed", "CorruptState"]);

/** True for the errors a store call rejects with (conflict, unavailable, closed, unreadable data). */
export function isStoreError(error: unknown): boolean {
  return isTsaktError(error) && storeCodes.has(error.code);
}

const noop = (): void => {};

/**
 * The command side both persistent actors share. Writes run one at a time in call order; while a command's handler
 * or any write it started is still running, receive returns a promise, so the core holds the next messages in the
 * mailbox (the actor "stashes while persisting"). A store error that the handler lets through fails the command's
 * ask with it rather than the actor; a ConcurrencyConflictError fences the actor: another writer owns its
 * persistence id, so it stops, and messages reaching it meanwhile fail with that error.
 */
export class PersistTurns {
  /** The actor's context from preStart, for stop and the logger. */
  ctx: Context | undefined = undefined;
  /** Set once another writer was found: the actor is stopping. */
  fenced: unknown = undefined;
  private tail: Promise<void> = Promise.resolve();
  /** Writes queued or running. */
  private writes = 0;
  /** The first write of the current command that failed, reported once the command is done. */
  private failure: unknown = undefined;

  constructor(
    /** Used in log lines: "event-sourced actor" or "durable-state actor". */
    private readonly what: string,
    private readonly persistenceId: () => string,
  ) {}

  /** Runs `write` after the earlier ones. Its rejection is also kept for the command, so an unawaited write cannot go unnoticed. */
  enqueue<T>(write: () => Promise<T>): Promise<T> {
    if (this.fenced !== undefined) return Promise.reject(this.fenced);
    this.writes++;
    const result = this.tail.then(write);
    this.tail = result.then(
      () => void this.writes--,
      (error: unknown) => {
        this.writes--;
        this.writeFailed(error);
      },
    );
    return result;
  }

  /** Handles one message with `handle`; a promise while it or its writes still run. PostStart is not a command (onRecovered is its place). */
  run(ctx: ReceiveContext, handle: (ctx: ReceiveContext) => void | Promise<void>): void | Promise<void> {
    if (isMessage(ctx.message, PostStartSchema)) return;
    if (this.fenced !== undefined) {
      rejectSender(ctx.sender, this.fenced);
      return;
    }
    this.failure = undefined;
    let result: void | Promise<void>;
    try {
      result = handle(ctx);
    } catch (error) {
      if (this.writes === 0) return this.finish(ctx, error);
      return this.tail.then(() => this.finish(ctx, error));
    }
    const thenable = result !== undefined && result !== null && typeof (result as Promise<void>).then === "function";
    if (!thenable && this.writes === 0) return this.finish(ctx, undefined);
    return Promise.resolve(result).then(
      () => this.tail.then(() => this.finish(ctx, undefined)),
      (error: unknown) => this.tail.then(() => this.finish(ctx, error)),
    );
  }

  /** Waits for every write queued so far. */
  drained(): Promise<void> {
    return this.tail.then(noop);
  }

  private finish(ctx: ReceiveContext, thrown: unknown): void {
    const failure = thrown ?? this.failure;
    this.failure = undefined;
    if (failure === undefined) return;
    // A store failure fails the command's ask (a no-op when the handler already replied); anything else is a bug in
    // the handler and goes to supervision, like any actor's error.
    if (isStoreError(failure)) rejectSender(ctx.sender, failure);
    else throw failure;
  }

  private writeFailed(error: unknown): void {
    this.failure ??= error;
    if (!isTsaktError(error, "ConcurrencyConflict") || this.fenced !== undefined) return;
    this.fenced = error;
    const ctx = this.ctx;
    ctx?.logger.warn(
      { actor: ctx.self.address, persistenceId: this.persistenceId(), err: error },
      `${this.what}: another writer saved to its persistence id first; this actor stops`,
    );
    ctx?.stop();
  }
}
