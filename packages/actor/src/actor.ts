import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import type { Extension } from "./extensions.js";
import type { Logger } from "./logger.js";
import type { AskOptions, PID } from "./pid.js";
import type { PipeTask, PipeToOptions } from "./pipe.js";
import type { SpawnOptions } from "./spawn-options.js";

/** An actor: state plus a receive function; created by a factory so restarts get a fresh instance. */
export interface Actor {
  /** Runs before the first message; an error here fails the spawn with ActorInitializationError. */
  preStart?(ctx: Context): void | Promise<void>;
  /** Handles one message; the next one starts only after this returns (or its promise settles). */
  receive(ctx: ReceiveContext): void | Promise<void>;
  /** Runs after the actor stopped processing messages and its children stopped. */
  postStop?(ctx: Context): void | Promise<void>;
}

/** A message handler, used by spawnFunc and ctx.become. */
export type Behavior = (ctx: ReceiveContext) => void | Promise<void>;

/** Makes a fresh actor instance. */
export type ActorFactory = () => Actor;

/** The actor's view of itself and its system, available in every hook. */
export interface Context {
  /** This actor. */
  readonly self: PID;
  /** This actor's parent; undefined for the guardians. */
  readonly parent: PID | undefined;
  /** Name of the actor system. */
  readonly systemName: string;
  /** The system's logger. */
  readonly logger: Logger;
  /** Spawns a child; it is stopped when this actor stops or restarts. */
  spawn(name: string, factory: ActorFactory, options?: SpawnOptions): PID;
  /** Spawns a child from a function. */
  spawnFunc(name: string, receive: Behavior, options?: SpawnOptions): PID;
  /** The live children of this actor. */
  children(): PID[];
  /** A child by name, or undefined. */
  child(name: string): PID | undefined;
  /** Stops this actor (no argument) or a given local actor, after its current message. */
  stop(pid?: PID): void;
  /** Sends `message` to `to` with this actor as the sender. */
  tell(to: PID, message: unknown): boolean;
  /** Asks `to`; awaiting it inside receive blocks this actor until the reply (use request() to keep processing). */
  ask<R = unknown>(to: PID, message: unknown, options?: AskOptions): Promise<R>;
  /** Delivers Terminated to this actor when `pid` stops. */
  watch(pid: PID): void;
  /** Stops watching `pid`. */
  unwatch(pid: PID): void;
  /**
   * Sends the task's value (or a PipeFailure) to `to` (default: self) when it settles. `task` is a promise or a function
   * starting the work; options add a timeout and a CircuitBreaker (an open breaker skips a function task).
   */
  pipeTo(task: PipeTask, to?: PID, options?: PipeToOptions): void;
  /** A system extension by id (ActorSystem.start({ extensions })), or undefined. */
  extension<T extends Extension = Extension>(id: string): T | undefined;
  /** A dependency given to this actor at spawn (options.dependencies), or undefined. */
  dependency<T extends Extension = Extension>(id: string): T | undefined;
  /** All dependencies given to this actor at spawn. */
  dependencies(): readonly Extension[];
}

/** What a handler sees while processing one message. */
export interface ReceiveContext extends Context {
  /** The message being processed. */
  readonly message: unknown;
  /** Who sent it, when known (an asker's temporary reference for ask). */
  readonly sender: PID | undefined;
  /** True when the message is of `schema` (narrowing ctx.message). */
  is<D extends DescMessage>(schema: D): this is ReceiveContext & { readonly message: MessageShape<D> };
  /** Replies to the sender (completes an ask); a dead letter when there is no sender. */
  respond(message: unknown): void;
  /** Passes the current message on to `to`, keeping the original sender. */
  forward(to: PID): void;
  /** Handles the next messages with `behavior`; with `stack: true` the current one is kept for unbecome. Default: replace. */
  become(behavior: Behavior, options?: { stack?: boolean }): void;
  /** Returns to the previous behavior (or to receive). */
  unbecome(): void;
  /** Keeps the current message aside until unstash. */
  stash(): void;
  /** Puts the oldest stashed message back in front of the mailbox. */
  unstash(): void;
  /** Puts all stashed messages back in front of the mailbox, in their order. */
  unstashAll(): void;
  /**
   * Asks `to` without blocking this actor: callbacks given to then() run later as a turn of this actor. Throws
   * ReentrancyDisabledError when the actor was spawned with reentrancy "off", InFlightLimitError at its maxInFlight.
   */
  request<R = unknown>(to: PID, message: unknown, options?: AskOptions): PromiseLike<R>;
  /** Marks the message as not handled: it is published as a dead letter. */
  unhandled(): void;
}
