/** Options of an ask. */
export interface AskOptions {
  /** How long to wait for the reply. Default: the system's askTimeoutMs (5000). */
  timeoutMs?: number;
  /** Cancels the ask; the promise then rejects with AskAbortedError. */
  signal?: AbortSignal;
}

/** A reference to an actor, local or remote: the same tell and ask work on both. */
export interface PID {
  /** The actor's own name (last path segment). */
  readonly name: string;
  /** Path inside its system, for example "/user/counter". */
  readonly path: string;
  /** Full address, "tsakt://system/user/counter" locally or "tsakt://system@host:port/user/counter" when remote. */
  readonly address: string;
  /** Sends a message without waiting; returns false when it was not accepted (bounded mailbox full, actor stopped). */
  tell(message: unknown, sender?: PID): boolean;
  /** Sends a message and resolves with the reply (the receiver calls ctx.respond). */
  ask<R = unknown>(message: unknown, options?: AskOptions): Promise<R>;
  /** Sends a message, waiting for space when the receiver's bounded mailbox is full. */
  send(message: unknown, sender?: PID): Promise<void>;
  /** True while the actor runs; a remote PID answers with what it last knew. */
  isAlive(): boolean;
}

/** A temporary sender (an ask's, local or remote): a message to it that cannot be delivered fails the ask at once. */
export interface RejectablePID extends PID {
  /** Fails the waiting ask with `error`. */
  reject(error: unknown): void;
}

/** Fails the ask behind `sender` when it is a temporary sender; other senders are left alone. */
export function rejectSender(sender: PID | undefined, error: unknown): void {
  const s = sender as Partial<RejectablePID> | undefined;
  if (typeof s?.reject === "function") s.reject(error);
}

/** What a remote PID implements so that ctx.watch works across processes (used by @tsakt/remote). */
export interface WatchablePID extends PID {
  /** Starts delivering Terminated for this actor to `watcher`. */
  addWatcher(watcher: PID): void;
  /** Stops delivering Terminated for this actor to `watcher`. */
  removeWatcher(watcher: PID): void;
}

/** True when `pid` can be watched from another process. */
export function isWatchable(pid: PID): pid is WatchablePID {
  return typeof (pid as Partial<WatchablePID>).addWatcher === "function";
}
