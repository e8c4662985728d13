import { create } from "@bufbuild/protobuf";
import type { Actor, ActorFactory, Behavior, ReceiveContext } from "./actor.js";
import { keepAlive, type TimerHandle } from "./clock.js";
import { ActorContext } from "./context.js";
import {
  ActorAlreadyExistsError,
  ActorInitializationError,
  DeadActorError,
  InvalidOptionError,
  MailboxFullError,
  messageOf,
  StashFullError,
} from "./errors.js";
import {
  ActorPassivatedSchema,
  ActorReinstatedSchema,
  ActorRestartedSchema,
  ActorSuspendedSchema,
} from "./gen/tsakt/actor/v1/events_pb.js";
import { TerminatedSchema } from "./gen/tsakt/actor/v1/system_pb.js";
import { BoundedMailbox } from "./mailbox/bounded.js";
import type { Mailbox } from "./mailbox/mailbox.js";
import { createMailbox } from "./mailbox/options.js";
import { isPoisonPill, postStart } from "./messages.js";
import { validateName } from "./names.js";
import type { Passivatable, PassivationOptions } from "./passivation.js";
import { type AskOptions, isWatchable, type PID, rejectSender } from "./pid.js";
import type { Runtime } from "./runtime.js";
import { type SpawnOptions, validateSpawnOptions } from "./spawn-options.js";
import { backoffDelay, decide, type SupervisorOptions } from "./supervision.js";

const STARTING = 0;
const RUNNING = 1;
const SUSPENDED = 2;
const RESTARTING = 3;
/** Instance released by passivation; the next message brings it back (only with `reactivate`). */
const PASSIVATED = 4;
const STOPPING = 5;
const STOPPED = 6;

const stateNames = ["starting", "running", "suspended", "restarting", "passivated", "stopping", "stopped"] as const;

const resolved: Promise<void> = Promise.resolve();

/** State most actors never need, allocated on first use so an idle actor stays small. */
class Extras {
  children: Map<string, ActorCell> | undefined = undefined;
  watchers: Set<PID> | undefined = undefined;
  watching: Set<PID> | undefined = undefined;
  stash: unknown[] | undefined = undefined;
  front: unknown[] | undefined = undefined;
  frontIndex = 0;
  continuations: Array<() => void> | undefined = undefined;
  behaviors: Array<Behavior | null> | undefined = undefined;
  restarts: number[] | undefined = undefined;
  backoffTimer: TimerHandle | undefined = undefined;
  pendingRequests = 0;
  stopRequested = false;
  stopPromise: Promise<void> | undefined = undefined;
  stopResolve: (() => void) | undefined = undefined;
  onTurnDone: (() => void) | undefined = undefined;
  onTurnFailed: ((error: unknown) => void) | undefined = undefined;
  /** A one-for-all restart that arrived during an async turn, applied when the turn ends. */
  restartPending: { error: unknown } | undefined = undefined;
  /** Present while a passivatable actor is active. */
  tracker: PassivationTracker | undefined = undefined;
  /** Start of the async turn in flight, when metrics time messages. */
  turnStart = 0;
}

/** The passivator's handle on one active cell; kept apart so cells without passivation stay small. */
class PassivationTracker implements Passivatable {
  lastActive = 0;
  useCount = 0;
  constructor(
    readonly cell: ActorCell,
    readonly passivation: Exclude<PassivationOptions, "long-lived">,
  ) {}
  isIdle(): boolean {
    return this.cell.isIdle();
  }
  passivate(): void {
    this.cell.passivate();
  }
}

/** The instance of an actor made from a function (spawnFunc): one small object, no closure per actor. */
class FuncActor implements Actor {
  constructor(readonly receive: Behavior) {}
}

/** A local actor: its mailbox, its instance, its place in the hierarchy. The cell is also the actor's local PID. */
export class ActorCell implements PID {
  scheduled = false;
  /** An async turn, preStart or restart is in flight; nothing else runs until it settles. */
  private busy = false;
  private state = STARTING;
  private postStartDue = false;
  private actor!: Actor;
  private behavior: Behavior | undefined = undefined;
  private ctx!: ActorContext;
  private ext: Extras | undefined = undefined;
  private pathCache: string | undefined = undefined;
  private readonly mailbox: Mailbox;
  /** Messages this actor processed since it was spawned (counted per turn, read by introspection). */
  processed = 0;

  constructor(
    readonly runtime: Runtime,
    readonly parentCell: ActorCell | undefined,
    readonly name: string,
    /** The factory, or for a function actor its receive function. */
    private readonly factory: ActorFactory | Behavior,
    private readonly options: SpawnOptions | undefined,
    private readonly funcActor = false,
  ) {
    this.mailbox = createMailbox(options?.mailbox);
  }

  /** A guardian (/user, /system): a running actor with no parent that only parents others. */
  static guardian(runtime: Runtime, name: string): ActorCell {
    const cell = new ActorCell(runtime, undefined, name, (ctx: ReceiveContext) => ctx.unhandled(), undefined, true);
    cell.actor = cell.newInstance();
    cell.ctx = new ActorContext(cell);
    cell.state = RUNNING;
    return cell;
  }

  /** The root, /user and /system: they parent actors but are not counted or supervised as actors. */
  get isGuardian(): boolean {
    return this.parentCell === undefined || this.parentCell.parentCell === undefined;
  }

  get path(): string {
    return (this.pathCache ??= this.parentCell === undefined ? "" : `${this.parentCell.path}/${this.name}`);
  }

  get address(): string {
    return this.runtime.addressPrefix + this.path;
  }

  toString(): string {
    return this.address;
  }

  isAlive(): boolean {
    return this.state < STOPPING;
  }

  // ---- sending ----

  tell(message: unknown, sender?: PID): boolean {
    if (this.state >= STOPPING) {
      this.undeliverable(message, sender, "actor stopped");
      return false;
    }
    if (!this.mailbox.push(message, sender)) return this.overflow(message, sender);
    if (!this.scheduled && this.state === RUNNING && !this.busy) this.runtime.dispatcher.schedule(this);
    else if (this.state === PASSIVATED) this.reactivate();
    return true;
  }

  ask<R = unknown>(message: unknown, options?: AskOptions): Promise<R> {
    if (this.state >= STOPPING) {
      this.runtime.deadLetter(message, undefined, this.address, "actor stopped");
      return Promise.reject(new DeadActorError(this.address));
    }
    const replier = this.runtime.prepareAsk(this.address, options);
    if (replier instanceof Error) return Promise.reject(replier);
    if (!this.mailbox.push(message, replier)) {
      this.runtime.deadLetter(message, undefined, this.address, "mailbox full");
      replier.reject(new MailboxFullError(this.address, this.mailbox.capacity));
    } else if (!this.scheduled && this.state === RUNNING && !this.busy) {
      this.runtime.dispatcher.schedule(this);
    } else if (this.state === PASSIVATED) {
      this.reactivate();
    }
    return replier.promise as Promise<R>;
  }

  async send(message: unknown, sender?: PID): Promise<void> {
    for (;;) {
      if (this.state >= STOPPING) {
        this.runtime.deadLetter(message, sender, this.address, "actor stopped");
        throw new DeadActorError(this.address);
      }
      const wait = this.mailbox.waitForSpace();
      if (wait === undefined) {
        if (this.tell(message, sender)) return;
        throw new MailboxFullError(this.address, this.mailbox.capacity);
      }
      await wait;
    }
  }

  private overflow(message: unknown, sender: PID | undefined): false {
    rejectSender(sender, new MailboxFullError(this.address, this.mailbox.capacity));
    if (this.mailbox.overflow === "drop") this.runtime.deadLetter(message, sender, this.address, "mailbox full");
    return false;
  }

  private undeliverable(message: unknown, sender: PID | undefined, reason: string): void {
    rejectSender(sender, new DeadActorError(this.address));
    this.runtime.deadLetter(message, sender, this.address, reason);
  }

  /** Queues a notice (Terminated) past any capacity; it must not be lost. */
  private deliverNotice(message: unknown, sender: PID): void {
    if (this.state >= STOPPING) return;
    this.mailbox.pushForced(message, sender);
    if (!this.scheduled && this.state === RUNNING && !this.busy) this.runtime.dispatcher.schedule(this);
    else if (this.state === PASSIVATED) this.reactivate();
  }

  // ---- processing ----

  runTurn(budget: number): number {
    if (this.state !== RUNNING || this.busy) return 0;
    let n = 0;
    let lifecycle = 0;
    if (this.postStartDue) {
      this.postStartDue = false;
      n++;
      lifecycle = 1;
      this.invoke(postStart, undefined);
    }
    const queue = this.ext?.continuations;
    if (queue !== undefined) {
      while (queue.length > 0 && this.state === RUNNING && !this.busy) {
        n++;
        (queue.shift() as () => void)();
      }
    }
    const mailbox = this.mailbox;
    const record = this.runtime.recordDuration;
    while (n < budget && this.state === RUNNING && !this.busy) {
      // Read per message: a handler may stash, unstash or start a request, creating the extras mid-turn.
      const ext = this.ext;
      if (ext !== undefined) {
        const front = ext.front;
        if (front !== undefined) {
          const i = ext.frontIndex;
          ext.frontIndex = i + 2;
          if (ext.frontIndex >= front.length) {
            ext.front = undefined;
            ext.frontIndex = 0;
          }
          n++;
          if (record === undefined) this.invoke(front[i], front[i + 1] as PID | undefined);
          else this.timedInvoke(front[i], front[i + 1] as PID | undefined, record);
          continue;
        }
        if (ext.pendingRequests > 0 && this.options?.reentrancy === "stash") break;
      }
      if (mailbox.size === 0) break;
      const message = mailbox.shift();
      n++;
      if (record === undefined) this.invoke(message, mailbox.sender);
      else this.timedInvoke(message, mailbox.sender, record);
    }
    const tracker = this.ext?.tracker;
    // PostStart is not a use of the actor: it does not count toward afterMessages.
    if (tracker !== undefined) this.runtime.passivator().touched(tracker, n - lifecycle);
    if (!this.scheduled && this.state === RUNNING && !this.busy && this.hasWork()) this.runtime.dispatcher.schedule(this);
    this.processed += n;
    return n;
  }

  /** True when passivating now loses nothing: running, no turn in flight, nothing queued. */
  isIdle(): boolean {
    return this.state === RUNNING && !this.busy && !this.scheduled && !this.hasWork();
  }

  private hasWork(): boolean {
    const ext = this.ext;
    if (ext === undefined) return this.mailbox.size > 0 || this.postStartDue;
    if (ext.front !== undefined || (ext.continuations !== undefined && ext.continuations.length > 0) || this.postStartDue) return true;
    if (ext.pendingRequests > 0 && this.options?.reentrancy === "stash") return false;
    return this.mailbox.size > 0;
  }

  /** invoke() with its processing time recorded (metrics on); an async turn is timed until it settles. */
  private timedInvoke(message: unknown, sender: PID | undefined, record: (ms: number) => void): void {
    const start = performance.now();
    this.invoke(message, sender);
    if (this.busy) this.extras().turnStart = start;
    else record(performance.now() - start);
  }

  private invoke(message: unknown, sender: PID | undefined): void {
    const ctx = this.ctx;
    ctx.message = message;
    ctx.sender = sender;
    if (isPoisonPill(message)) {
      void this.stop();
      return;
    }
    // Busy while the handler runs, so a stop it requests waits until the message is done.
    this.busy = true;
    let result: void | Promise<void> = undefined;
    try {
      result = this.behavior === undefined ? this.actor.receive(ctx) : this.behavior(ctx);
    } catch (error) {
      this.busy = false;
      this.fail(error);
      this.afterFailure();
      return;
    }
    if (result !== undefined && result !== null && typeof (result as Promise<void>).then === "function") {
      const ext = this.extras();
      (result as Promise<void>).then(
        (ext.onTurnDone ??= () => this.settle()),
        (ext.onTurnFailed ??= (error: unknown) => {
          this.busy = false;
          this.fail(error);
          this.afterFailure();
        }),
      );
      return;
    }
    this.busy = false;
    if (this.ext?.stopRequested === true) this.finishStop();
  }

  /** An async turn, start or restart finished: stop if asked to, else carry on with the mail. */
  private settle(): void {
    this.busy = false;
    const ext = this.ext;
    if (ext !== undefined && ext.turnStart !== 0) {
      this.runtime.recordDuration?.(performance.now() - ext.turnStart);
      ext.turnStart = 0;
    }
    if (ext?.stopRequested && this.state < STOPPING) {
      this.finishStop();
      return;
    }
    if (ext?.restartPending !== undefined) {
      const { error } = ext.restartPending;
      ext.restartPending = undefined;
      this.restart(error);
      return;
    }
    if (!this.scheduled && this.state === RUNNING && this.hasWork()) this.runtime.dispatcher.schedule(this);
  }

  private afterFailure(): void {
    if (this.ext?.stopRequested && this.state < STOPPING && !this.busy) {
      this.finishStop();
      return;
    }
    if (!this.scheduled && this.state === RUNNING && !this.busy && this.hasWork()) this.runtime.dispatcher.schedule(this);
  }

  /** Runs `fn` as a turn of this actor (asTurn true), or at once when an async turn is awaiting it (asTurn false). */
  runContinuation(fn: (asTurn: boolean) => void): boolean {
    if (this.state >= STOPPING) return false;
    if (this.busy && this.state === RUNNING) {
      fn(false);
      return true;
    }
    (this.extras().continuations ??= []).push(() => {
      try {
        fn(true);
      } catch (error) {
        this.fail(error);
      }
    });
    if (!this.scheduled && this.state === RUNNING && !this.busy) this.runtime.dispatcher.schedule(this);
    return true;
  }

  // ---- lifecycle ----

  /** Creates the instance and runs preStart; returns a promise only when preStart is async. */
  init(): Promise<void> | undefined {
    this.ctx = new ActorContext(this);
    return this.activate();
  }

  private activate(): Promise<void> | undefined {
    const again = this.state === PASSIVATED;
    let result: void | Promise<void> = undefined;
    try {
      this.actor = this.newInstance();
      result = this.actor.preStart?.(this.ctx);
    } catch (error) {
      this.initFailed(error, again);
      throw new ActorInitializationError(this.address, error);
    }
    if (result !== undefined && result !== null && typeof (result as Promise<void>).then === "function") {
      this.busy = true;
      return (result as Promise<void>).then(
        () => {
          this.started();
          this.settle();
        },
        (error: unknown) => {
          this.busy = false;
          this.initFailed(error, again);
          throw new ActorInitializationError(this.address, error);
        },
      );
    }
    this.started();
    return undefined;
  }

  private newInstance(): Actor {
    return this.funcActor ? new FuncActor(this.factory as Behavior) : (this.factory as ActorFactory)();
  }

  private started(): void {
    const reactivated = this.state === PASSIVATED;
    this.state = RUNNING;
    this.postStartDue = true;
    const passivation = this.options?.passivation;
    if (passivation !== undefined && passivation !== "long-lived") {
      const tracker = (this.extras().tracker = new PassivationTracker(this, passivation));
      this.runtime.passivator().add(tracker);
    }
    if (!this.isGuardian && !reactivated) this.runtime.actorStarted(this);
    if (!this.busy && !this.scheduled) this.runtime.dispatcher.schedule(this);
  }

  /** preStart failed: the actor is gone, its watchers are told; only a reactivated one was counted live. */
  private initFailed(error: unknown, reactivating: boolean): void {
    this.runtime.logger.error({ actor: this.address, err: error }, "actor failed to start");
    this.state = STOPPED;
    this.parentCell?.removeChild(this);
    this.drainToDeadLetters();
    // A child can be watched before its async preStart fails (a router watches its routees at once).
    this.notifyWatchers();
    if (reactivating) this.runtime.actorStopped(this);
    this.ext?.stopResolve?.();
  }

  /** Spawns a child of this actor; a name must be unique among live siblings. */
  spawnChild(
    name: string,
    factory: ActorFactory | Behavior,
    options: SpawnOptions | undefined,
    funcActor = false,
  ): { cell: ActorCell; ready: Promise<void> | undefined } {
    validateName(name);
    validateSpawnOptions(options);
    if (typeof factory !== "function") throw new InvalidOptionError("factory", "must be a function returning an actor");
    if (this.state >= STOPPING) throw new DeadActorError(this.address);
    const children = (this.extras().children ??= new Map());
    if (children.has(name)) throw new ActorAlreadyExistsError(this.parentCell === undefined ? name : `${this.path}/${name}`);
    const cell = new ActorCell(this.runtime, this, name, factory, options, funcActor);
    children.set(name, cell);
    return { cell, ready: cell.init() };
  }

  /** The child named `name`, if alive. */
  childNamed(name: string): ActorCell | undefined {
    return this.ext?.children?.get(name);
  }

  /** A dependency given at spawn, by id. */
  dependency(id: string): unknown {
    return this.options?.dependencies?.find((d) => d.id === id);
  }

  /** The dependencies given at spawn. */
  dependencies(): readonly unknown[] {
    return this.options?.dependencies ?? [];
  }

  /** Messages queued in this actor and all its descendants (for the mailbox-depth metric). */
  queuedMessages(): number {
    let total = this.mailbox.size;
    const children = this.ext?.children;
    if (children !== undefined) for (const child of children.values()) total += child.queuedMessages();
    return total;
  }

  /** Messages queued in this actor's own mailbox now. */
  get mailboxSize(): number {
    return this.mailbox.size;
  }

  /** The lifecycle state as a word, for introspection. */
  get stateName(): "starting" | "running" | "suspended" | "restarting" | "passivated" | "stopping" | "stopped" {
    return stateNames[this.state] ?? "stopped";
  }

  /** The live children. */
  childCells(): ActorCell[] {
    const children = this.ext?.children;
    return children === undefined ? [] : [...children.values()];
  }

  private removeChild(child: ActorCell): void {
    const children = this.ext?.children;
    if (children?.get(child.name) === child) children.delete(child.name);
  }

  /** Stops this actor after its current message: children first, then postStop, then watchers are told. */
  stop(): Promise<void> {
    if (this.state === STOPPED) return resolved;
    const pending = this.ext?.stopPromise;
    if (pending !== undefined) return pending;
    if (this.ext?.backoffTimer !== undefined) {
      this.runtime.clock.clearTimeout(this.ext.backoffTimer);
      this.ext.backoffTimer = undefined;
    }
    if (!this.busy && this.state < STOPPING) {
      // Most actors stop synchronously (no children, sync postStop): no promise, no extras.
      this.finishStop();
      if (this.state === STOPPED) return resolved;
    }
    const ext = this.extras();
    ext.stopRequested = true;
    return (ext.stopPromise = new Promise<void>((resolve) => (ext.stopResolve = resolve)));
  }

  /** Children first (depth first), then postStop, then the rest; synchronous when nothing on the way is async. */
  private finishStop(): void {
    if (this.state >= STOPPING) return;
    const wasPassivated = this.state === PASSIVATED;
    this.state = STOPPING;
    this.untrack();
    const children = this.stopChildrenNow();
    if (children === undefined) this.stopSelf(wasPassivated);
    else children.then(() => this.stopSelf(wasPassivated));
  }

  /** Stops every child; undefined when all stopped synchronously, else a promise for the rest. */
  private stopChildrenNow(): Promise<unknown> | undefined {
    const children = this.ext?.children;
    if (children === undefined || children.size === 0) return undefined;
    let waiting: Promise<void>[] | undefined;
    for (const child of [...children.values()]) {
      const done = child.stop();
      if (child.state !== STOPPED) (waiting ??= []).push(done);
    }
    return waiting === undefined ? undefined : Promise.all(waiting);
  }

  private stopSelf(wasPassivated: boolean): void {
    let result: void | Promise<void> = undefined;
    if (!wasPassivated) {
      try {
        result = this.actor.postStop?.(this.ctx);
      } catch (error) {
        this.runtime.logger.error({ actor: this.address, err: error }, "postStop threw");
      }
    }
    if (result !== undefined && result !== null && typeof (result as Promise<void>).then === "function") {
      (result as Promise<void>).then(
        () => this.stopped(),
        (error: unknown) => {
          this.runtime.logger.error({ actor: this.address, err: error }, "postStop threw");
          this.stopped();
        },
      );
    } else {
      this.stopped();
    }
  }

  private stopped(): void {
    this.state = STOPPED;
    this.parentCell?.removeChild(this);
    if (this.mailbox instanceof BoundedMailbox) this.mailbox.releaseWaiters();
    this.drainToDeadLetters();
    this.notifyWatchers();
    this.behavior = undefined;
    const ext = this.ext;
    if (ext !== undefined) {
      ext.continuations = undefined;
      ext.behaviors = undefined;
    }
    if (!this.isGuardian) this.runtime.actorStopped(this);
    ext?.stopResolve?.();
  }

  private async stopChildren(): Promise<void> {
    await this.stopChildrenNow();
  }

  private async callHook(hook: "postStop" | "preStart"): Promise<void> {
    try {
      await this.actor[hook]?.(this.ctx);
    } catch (error) {
      this.runtime.logger.error({ actor: this.address, err: error }, `${hook} threw`);
      if (hook === "preStart") throw error;
    }
  }

  private drainToDeadLetters(): void {
    const ext = this.ext;
    if (ext !== undefined) {
      for (const pairs of [ext.front?.slice(ext.frontIndex), ext.stash]) {
        if (pairs === undefined) continue;
        for (let i = 0; i < pairs.length; i += 2) this.undeliverable(pairs[i], pairs[i + 1] as PID | undefined, "actor stopped");
      }
      ext.front = ext.stash = undefined;
    }
    const mailbox = this.mailbox;
    while (mailbox.size > 0) {
      const message = mailbox.shift();
      this.undeliverable(message, mailbox.sender, "actor stopped");
    }
  }

  // ---- passivation ----

  private untrack(): void {
    const ext = this.ext;
    if (ext?.tracker === undefined) return;
    this.runtime.passivator().remove(ext.tracker);
    ext.tracker = undefined;
  }

  /** Passivates an idle actor: stops it for good, or with `reactivate` releases the instance until the next message. */
  passivate(): void {
    if (!this.isIdle()) return;
    this.untrack();
    const events = this.runtime.eventStream;
    if (events.subscriberCount > 0) events.publish(create(ActorPassivatedSchema, { address: this.address }));
    const passivation = this.options?.passivation;
    if (passivation === undefined || passivation === "long-lived" || passivation.reactivate !== true) {
      void this.stop();
      return;
    }
    this.busy = true;
    void this.release();
  }

  private async release(): Promise<void> {
    await this.stopChildren();
    await this.callHook("postStop");
    this.behavior = undefined;
    if (this.ext !== undefined) this.ext.behaviors = undefined;
    this.state = PASSIVATED;
    this.busy = false;
    if (this.ext?.stopRequested) this.finishStop();
    else if (this.hasWork()) this.reactivate();
  }

  /** Brings a passivated actor back from its factory; its queued mail then runs. */
  private reactivate(): void {
    if (this.busy) return;
    try {
      this.activate()?.catch(() => {});
    } catch {
      // activate() already logged the failure and stopped the actor; its mail went to dead letters.
    }
  }

  // ---- supervision ----

  private supervisor(): SupervisorOptions | undefined {
    return this.options?.supervisor ?? this.runtime.supervisor;
  }

  /** Applies this actor's supervisor to `error` raised while it processed a message. */
  fail(error: unknown, escalatedFrom?: ActorCell): void {
    const sup = this.supervisor();
    const directive = decide(sup, error);
    this.runtime.logger.warn({ actor: this.address, err: error, directive }, "actor failed");
    // One-for-all spans the children of one actor; top-level actors are not each other's siblings.
    const all = sup?.strategy === "one-for-all" && this.parentCell !== undefined && !this.parentCell.isGuardian;
    const siblings = all ? (this.parentCell as ActorCell).childCells().filter((c) => c !== this) : [];
    switch (directive) {
      case "resume":
        if (escalatedFrom !== undefined) escalatedFrom.resumeAfterEscalation();
        return;
      case "stop":
        for (const sibling of siblings) void sibling.stop();
        void this.stop();
        return;
      case "escalate":
        this.escalate(error);
        return;
      case "restart":
        for (const sibling of siblings) sibling.restart(error);
        this.restartWithinBudget(error, sup);
        return;
    }
  }

  private escalate(error: unknown): void {
    const parent = this.parentCell;
    if (parent === undefined || parent.isGuardian) {
      // A top-level actor has nobody above it to decide: it stops.
      void this.stop();
      return;
    }
    this.state = SUSPENDED;
    parent.runContinuation(() => parent.fail(error, this));
  }

  private resumeAfterEscalation(): void {
    if (this.state !== SUSPENDED) return;
    this.state = RUNNING;
    this.afterFailure();
  }

  private restartWithinBudget(error: unknown, sup: SupervisorOptions | undefined): void {
    const max = sup?.maxRestarts ?? Infinity;
    let attempt = 0;
    if (max !== Infinity || sup?.backoff !== undefined) {
      const now = this.runtime.clock.now();
      const within = sup?.withinMs ?? 60_000;
      const log = (this.extras().restarts ??= []);
      while (log.length > 0 && (log[0] as number) <= now - within) log.shift();
      if (log.length >= max) {
        if (sup?.onExhausted === "suspend") this.suspend(error);
        else void this.stop();
        return;
      }
      attempt = log.length;
      log.push(now);
    }
    if (sup?.backoff !== undefined) {
      this.state = RESTARTING;
      const ext = this.extras();
      ext.backoffTimer = this.runtime.clock.setTimeout(
        () => {
          ext.backoffTimer = undefined;
          this.restart(error);
        },
        backoffDelay(sup.backoff, attempt),
      );
      keepAlive(ext.backoffTimer, true);
      return;
    }
    this.restart(error);
  }

  /** Replaces the instance with a fresh one from the factory; the mailbox and stash are kept, children stopped. */
  restart(error: unknown): void {
    if (this.state >= STOPPING) return;
    if (this.busy) {
      this.extras().restartPending = { error };
      return;
    }
    this.state = RESTARTING;
    this.busy = true;
    void this.doRestart(error);
  }

  private async doRestart(error: unknown): Promise<void> {
    const ext = this.extras();
    await this.stopChildren();
    await this.callHook("postStop");
    this.behavior = undefined;
    ext.behaviors = undefined;
    if (ext.stash !== undefined) this.unstashAll();
    try {
      this.actor = this.newInstance();
      await this.callHook("preStart");
    } catch (initError) {
      this.runtime.logger.error({ actor: this.address, err: initError }, "restart failed; stopping the actor");
      this.busy = false;
      this.state = SUSPENDED;
      void this.stop();
      return;
    }
    this.state = RUNNING;
    this.postStartDue = true;
    this.runtime.restarted();
    const events = this.runtime.eventStream;
    if (events.subscriberCount > 0) events.publish(restartedEvent(this.address, error));
    this.settle();
  }

  private suspend(error: unknown): void {
    this.state = SUSPENDED;
    const events = this.runtime.eventStream;
    if (events.subscriberCount > 0) events.publish(suspendedEvent(this.address, error));
  }

  /** Resumes a suspended actor with its current instance; false when it was not suspended. */
  reinstate(): boolean {
    if (this.state !== SUSPENDED) return false;
    this.state = RUNNING;
    this.ext?.restarts?.splice(0);
    const events = this.runtime.eventStream;
    if (events.subscriberCount > 0) events.publish(reinstatedEvent(this.address));
    this.afterFailure();
    return true;
  }

  /** True while suspended by its supervisor. */
  isSuspended(): boolean {
    return this.state === SUSPENDED;
  }

  // ---- behaviors and stash ----

  become(behavior: Behavior, stack: boolean): void {
    if (stack) (this.extras().behaviors ??= []).push(this.behavior ?? null);
    this.behavior = behavior;
  }

  unbecome(): void {
    const previous = this.ext?.behaviors?.pop();
    this.behavior = previous ?? undefined;
  }

  stash(message: unknown, sender: PID | undefined): void {
    const ext = this.extras();
    const stash = (ext.stash ??= []);
    const capacity = this.options?.stashCapacity ?? Infinity;
    if (stash.length / 2 >= capacity) throw new StashFullError(this.address, capacity);
    stash.push(message, sender);
  }

  unstash(): void {
    const ext = this.ext;
    const stash = ext?.stash;
    if (ext === undefined || stash === undefined || stash.length === 0) return;
    const pair = stash.splice(0, 2);
    if (stash.length === 0) ext.stash = undefined;
    this.toFront(ext, pair);
  }

  unstashAll(): void {
    const ext = this.ext;
    const stash = ext?.stash;
    if (ext === undefined || stash === undefined || stash.length === 0) return;
    ext.stash = undefined;
    this.toFront(ext, stash);
  }

  private toFront(ext: Extras, pairs: unknown[]): void {
    if (ext.front === undefined) {
      ext.front = pairs;
      ext.frontIndex = 0;
    } else {
      ext.front.push(...pairs);
    }
    if (!this.scheduled && this.state === RUNNING && !this.busy) this.runtime.dispatcher.schedule(this);
  }

  // ---- death watch and reentrancy ----

  watch(target: PID): void {
    if (target === this) return;
    if (target instanceof ActorCell) {
      if (!target.isAlive()) {
        this.deliverNotice(terminated(target.address), target);
        return;
      }
      (target.extras().watchers ??= new Set()).add(this);
    } else if (isWatchable(target)) {
      target.addWatcher(this);
    } else {
      return;
    }
    (this.extras().watching ??= new Set()).add(target);
  }

  unwatch(target: PID): void {
    this.unwatchQuietly(target);
    this.ext?.watching?.delete(target);
  }

  /** Tells every watcher this actor terminated and drops this actor's own watches. */
  private notifyWatchers(): void {
    const ext = this.ext;
    if (ext === undefined) return;
    const watchers = ext.watchers;
    ext.watchers = undefined;
    if (watchers !== undefined && watchers.size > 0) {
      const notice = terminated(this.address);
      for (const watcher of watchers) {
        if (watcher instanceof ActorCell) {
          watcher.ext?.watching?.delete(this);
          watcher.deliverNotice(notice, this);
        } else {
          watcher.tell(notice, this);
        }
      }
    }
    const watching = ext.watching;
    ext.watching = undefined;
    if (watching !== undefined) for (const target of watching) this.unwatchQuietly(target);
  }

  /** Stops `target` telling this cell of its termination, leaving this cell's own list of watches alone. */
  private unwatchQuietly(target: PID): void {
    if (target instanceof ActorCell) target.ext?.watchers?.delete(this);
    else if (isWatchable(target)) target.removeWatcher(this);
  }

  /** Delivers Terminated for `target` (a remote actor this cell watched) and forgets the watch. */
  terminated(target: PID): void {
    const watching = this.ext?.watching;
    if (watching !== undefined) for (const pid of watching) if (pid.address === target.address) watching.delete(pid);
    this.deliverNotice(terminated(target.address), target);
  }

  /** Counts a pending ctx.request (the "stash" reentrancy mode holds mail while any is pending). */
  requestStarted(): void {
    this.extras().pendingRequests++;
  }

  requestSettled(): void {
    const ext = this.extras();
    ext.pendingRequests--;
    if (ext.pendingRequests === 0 && !this.scheduled && this.state === RUNNING && !this.busy && this.hasWork())
      this.runtime.dispatcher.schedule(this);
  }

  /** Number of live watchers and watched actors, for leak checks. */
  watchCounts(): { watchers: number; watching: number } {
    return { watchers: this.ext?.watchers?.size ?? 0, watching: this.ext?.watching?.size ?? 0 };
  }

  private extras(): Extras {
    return (this.ext ??= new Extras());
  }
}

function terminated(address: string) {
  return create(TerminatedSchema, { address });
}

function restartedEvent(address: string, error: unknown) {
  return create(ActorRestartedSchema, { address, reason: messageOf(error) });
}

function suspendedEvent(address: string, error: unknown) {
  return create(ActorSuspendedSchema, { address, reason: messageOf(error) });
}

function reinstatedEvent(address: string) {
  return create(ActorReinstatedSchema, { address });
}
