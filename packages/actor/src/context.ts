import { type DescMessage, isMessage, type MessageShape } from "@bufbuild/protobuf";
import type { ActorFactory, Behavior, ReceiveContext } from "./actor.js";
import { DeadActorError, InvalidOptionError } from "./errors.js";
import type { Extension } from "./extensions.js";
import type { Logger } from "./logger.js";
import { postStart } from "./messages.js";
import type { AskOptions, PID } from "./pid.js";
import { type PipeTask, type PipeToOptions, pipe } from "./pipe.js";
import type { Runtime } from "./runtime.js";
import type { SpawnOptions } from "./spawn-options.js";

/** What a context needs from its actor's cell; the cell implements it, so this file does not depend on cell.ts. */
export interface ContextCell extends PID {
  readonly parentCell: PID | undefined;
  readonly runtime: Pick<Runtime, "name" | "logger" | "deadLetter" | "extension" | "clock">;
  spawnChild(
    name: string,
    factory: ActorFactory | Behavior,
    options: SpawnOptions | undefined,
    funcActor?: boolean,
  ): { cell: PID; ready: Promise<void> | undefined };
  childCells(): PID[];
  childNamed(name: string): PID | undefined;
  stop(): Promise<void>;
  dependency(id: string): unknown;
  dependencies(): readonly unknown[];
  become(behavior: Behavior, stack: boolean): void;
  unbecome(): void;
  stash(message: unknown, sender: PID | undefined): void;
  unstash(): void;
  unstashAll(): void;
  watch(target: PID): void;
  unwatch(target: PID): void;
  /** Counts a pending ctx.request; throws ReentrancyDisabledError or InFlightLimitError when it is refused. */
  requestStarted(): void;
  /** A request settled and its callbacks ran. */
  requestSettled(): void;
  /** Runs `fn` as a turn of the actor (asTurn true), or at once inside an awaiting turn; false when it is stopped. */
  runContinuation(fn: (asTurn: boolean) => void): boolean;
}

/** The context object of one actor, reused for every message it processes. */
export class ActorContext implements ReceiveContext {
  message: unknown = undefined;
  sender: PID | undefined = undefined;

  constructor(private readonly cell: ContextCell) {}

  get self(): PID {
    return this.cell;
  }

  get parent(): PID | undefined {
    return this.cell.parentCell;
  }

  get systemName(): string {
    return this.cell.runtime.name;
  }

  get logger(): Logger {
    return this.cell.runtime.logger;
  }

  is<D extends DescMessage>(schema: D): this is ReceiveContext & { readonly message: MessageShape<D> } {
    return isMessage(this.message, schema);
  }

  spawn(name: string, factory: ActorFactory, options?: SpawnOptions): PID {
    const { cell, ready } = this.cell.spawnChild(name, factory, options);
    // A failing async preStart is already logged and the child removed; nobody awaits this promise.
    ready?.catch(() => {});
    return cell;
  }

  spawnFunc(name: string, receive: Behavior, options?: SpawnOptions): PID {
    if (typeof receive !== "function") throw new InvalidOptionError("receive", "must be a function (ctx) => void");
    const { cell, ready } = this.cell.spawnChild(name, receive, options, true);
    ready?.catch(() => {});
    return cell;
  }

  children(): PID[] {
    return this.cell.childCells();
  }

  child(name: string): PID | undefined {
    return this.cell.childNamed(name);
  }

  stop(pid?: PID): void {
    const target = pid ?? this.cell;
    if ("stop" in target && typeof target.stop === "function") void (target as { stop(): Promise<void> }).stop();
  }

  extension<T extends Extension = Extension>(id: string): T | undefined {
    return this.cell.runtime.extension(id) as T | undefined;
  }

  dependency<T extends Extension = Extension>(id: string): T | undefined {
    return this.cell.dependency(id) as T | undefined;
  }

  dependencies(): readonly Extension[] {
    return this.cell.dependencies() as readonly Extension[];
  }

  tell(to: PID, message: unknown): boolean {
    return to.tell(message, this.cell);
  }

  ask<R = unknown>(to: PID, message: unknown, options?: AskOptions): Promise<R> {
    return to.ask<R>(message, options);
  }

  respond(message: unknown): void {
    const sender = this.sender;
    if (sender === undefined) this.cell.runtime.deadLetter(message, this.cell, "(no sender)", "respond without a sender");
    else sender.tell(message, this.cell);
  }

  forward(to: PID): void {
    to.tell(this.message, this.sender);
  }

  become(behavior: Behavior, options?: { stack?: boolean }): void {
    this.cell.become(behavior, options?.stack === true);
  }

  unbecome(): void {
    this.cell.unbecome();
  }

  stash(): void {
    this.cell.stash(this.message, this.sender);
  }

  unstash(): void {
    this.cell.unstash();
  }

  unstashAll(): void {
    this.cell.unstashAll();
  }

  watch(pid: PID): void {
    this.cell.watch(pid);
  }

  unwatch(pid: PID): void {
    this.cell.unwatch(pid);
  }

  pipeTo(task: PipeTask, to?: PID, options?: PipeToOptions): void {
    pipe(this.cell, task, to ?? this.cell, options);
  }

  request<R = unknown>(to: PID, message: unknown, options?: AskOptions): PromiseLike<R> {
    this.cell.requestStarted();
    return new RequestCall<R>(this.cell, this, to, to.ask<R>(message, options));
  }

  unhandled(): void {
    if (this.message === postStart) return;
    this.cell.runtime.deadLetter(this.message, this.sender, this.cell.address, "unhandled");
  }
}

type Listener = (failed: boolean, value: unknown) => void;

/**
 * The result of ctx.request: callbacks passed to then() run as a turn of the requesting actor. The request
 * counts as pending (holding mail back in "stash" reentrancy) until those callbacks have run.
 */
class RequestCall<R> implements PromiseLike<R> {
  private listeners: Listener[] = [];
  private outcome: { failed: boolean; value: unknown } | undefined = undefined;

  constructor(
    private readonly cell: ContextCell,
    private readonly ctx: ActorContext,
    private readonly to: PID,
    reply: Promise<R>,
  ) {
    reply.then(
      (value) => this.settle(false, value),
      (error: unknown) => this.settle(true, error),
    );
  }

  // biome-ignore lint/suspicious/noThenProperty: a request is awaitable by design (reentrant ask).
  then<A = R, B = never>(
    onFulfilled?: ((value: R) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    const chained = new Promise<A | B>((resolve, reject) => {
      const listener: Listener = (failed, value) => {
        const callback = failed ? onRejected : onFulfilled;
        if (callback === undefined || callback === null) {
          if (failed) reject(value);
          else resolve(value as A);
          return;
        }
        try {
          resolve(callback(value as never));
        } catch (error) {
          // A throwing callback is a failure of the actor (its supervisor decides) and rejects the chain.
          reject(error);
          throw error;
        }
      };
      if (this.outcome === undefined) this.listeners.push(listener);
      else this.deliver([listener], this.outcome.failed, this.outcome.value, false);
    });
    // The actor's supervisor already sees callback failures; an unobserved chain must not crash the process.
    chained.catch(() => {});
    return chained;
  }

  private settle(failed: boolean, value: unknown): void {
    this.outcome = { failed, value };
    const listeners = this.listeners;
    this.listeners = [];
    if (listeners.length === 0) this.cell.requestSettled();
    else this.deliver(listeners, failed, value, true);
  }

  private deliver(listeners: Listener[], failed: boolean, value: unknown, counted: boolean): void {
    const scheduled = this.cell.runContinuation((asTurn) => {
      // As a turn of its own the callback sees the reply as its message; inside an awaiting turn ctx is left alone.
      if (asTurn) {
        this.ctx.message = value;
        this.ctx.sender = this.to;
      }
      try {
        for (const listener of listeners) listener(failed, value);
      } finally {
        if (counted) this.cell.requestSettled();
      }
    });
    if (!scheduled) {
      if (counted) this.cell.requestSettled();
      for (const listener of listeners) {
        try {
          listener(true, new DeadActorError(this.cell.address));
        } catch {
          // The actor is gone; nobody supervises its callbacks any more.
        }
      }
    }
  }
}
