import type { TimerHandle } from "../clock.js";
import type { Runtime } from "../runtime.js";
import type { SupervisorOptions } from "./options.js";

/** What a supervisor keeps per actor between failures; lives in the cell's lazily created extras. */
export interface RestartRecord {
  /** Clock times of the restarts still inside the budget window, oldest first. */
  restarts: number[] | undefined;
  /** The pending backoff restart; stop() cancels it. */
  backoffTimer: TimerHandle | undefined;
}

/**
 * What the supervision modules need from an actor: the failed one, its siblings and its parent. Supervision decides
 * and carries out through this interface; the cell implements it and keeps the mechanics (replacing the instance).
 */
export interface Supervisee {
  readonly address: string;
  readonly runtime: Pick<Runtime, "logger" | "clock">;
  /** The actor's own supervisor options, or the system's default. */
  supervisorOptions(): SupervisorOptions | undefined;
  /** The actor that decides what an escalated failure means: the parent, or undefined for a top-level actor. */
  supervisingParent(): Supervisee | undefined;
  /** The live children. */
  childCells(): readonly Supervisee[];
  /** The restart budget and backoff state, created on first use. */
  restartRecord(): RestartRecord;
  /** Applies this actor's supervisor to `error`; `escalatedFrom` is the child whose failure it is deciding. */
  fail(error: unknown, escalatedFrom?: Supervisee): void;
  /** Replaces the instance with a fresh one from the factory; the mailbox and stash are kept, children stopped. */
  restart(error: unknown): void;
  /** Stops the actor after its current message. */
  stop(): Promise<void>;
  /** Suspends the actor until reinstated (restart budget spent), publishing ActorSuspended. */
  suspend(error: unknown): void;
  /** Holds the actor's mail while its parent decides about its failure. */
  pauseForEscalation(): void;
  /** Lets a held actor go on with its current instance (its parent resumed it). */
  resumeAfterEscalation(): void;
  /** Holds the actor's mail until a delayed (backoff) restart runs. */
  pauseForBackoff(): void;
  /** Runs `fn` as a turn of this actor; false when the actor is stopping or stopped. */
  runContinuation(fn: (asTurn: boolean) => void): boolean;
}
