import type { Actor, ActorFactory, Behavior, ReceiveContext } from "./actor.js";
import type { AskReplier } from "./ask.js";
import { becomeBehavior, stashMessage, unbecomeBehavior, unstashMessage, unstashMessages } from "./cell/behaviors-stash.js";
import * as states from "./cell/cell-state.js";
import { type CellState, cellBrand, Extras } from "./cell/cell-state.js";
import { addWatch, countWatches, removeWatch } from "./cell/death-watch.js";
import { holdForBackoff, holdForEscalation, restartCell, resumeCell, suspendCell } from "./cell/fault-handling.js";
import { activate, finishStop, newInstance, stopCell } from "./cell/lifecycle.js";
import { passivateCell, reactivateCell } from "./cell/passivation.js";
import { countRequest, runAsTurn, settleRequest } from "./cell/reentrancy.js";
import { ActorContext, type ContextCell } from "./context.js";
import { ActorAlreadyExistsError, AskFailedError, DeadActorError, InvalidOptionError, MailboxFullError } from "./errors.js";
import type { Mailbox } from "./mailbox/mailbox.js";
import { createMailbox } from "./mailbox/options.js";
import { UnboundedMailbox } from "./mailbox/unbounded.js";
import { isPoisonPill, postStart } from "./messages.js";
import { validateName } from "./names.js";
import { type AskOptions, type PID, type RejectablePID, rejectSender } from "./pid.js";
import type { Runtime } from "./runtime.js";
import { type SpawnOptions, validateSpawnOptions } from "./spawn-options.js";
import type { SupervisorOptions } from "./supervision/options.js";
import { supervise } from "./supervision/supervise.js";
import type { Supervisee } from "./supervision/supervisee.js";

// The hot path reads the states as this module's own constants: V8 reads an imported binding more slowly (ping-pong
// lost 4–5% when they moved to cell-state.ts).
const { STARTING, RUNNING, PASSIVATED, STOPPING } = states;
const stateNames = ["starting", "running", "suspended", "restarting", "passivated", "stopping", "stopped"] as const;
type StateName = (typeof stateNames)[number];

/**
 * A local actor: its mailbox, its instance, its place in the hierarchy. The cell is also the actor's local PID.
 * This file holds the fields and the hot path (sending, turns); the cold parts are functions in src/cell/ over the
 * CellState interface. No base class: every field is the cell's own, in one hidden class.
 */
export class ActorCell implements CellState, ContextCell {
  scheduled = false;
  busy = false;
  state = STARTING;
  postStartDue = false;
  actor!: Actor;
  behavior: Behavior | undefined = undefined;
  ctx!: ActorContext;
  ext: Extras | undefined = undefined;
  private pathCache: string | undefined = undefined;
  readonly mailbox: Mailbox;
  /** Messages this actor processed since it was spawned (counted per turn, read by introspection). */
  processed = 0;

  constructor(
    readonly runtime: Runtime,
    readonly parentCell: CellState | undefined,
    readonly name: string,
    readonly factory: ActorFactory | Behavior,
    readonly options: SpawnOptions | undefined,
    readonly funcActor = false,
  ) {
    this.mailbox = createMailbox(options?.mailbox);
  }

  /** A guardian (/user, /system): a running actor with no parent that only parents others. */
  static guardian(runtime: Runtime, name: string): ActorCell {
    const cell = new ActorCell(runtime, undefined, name, (ctx: ReceiveContext) => ctx.unhandled(), undefined, true);
    cell.actor = newInstance(cell);
    cell.ctx = new ActorContext(cell);
    cell.state = RUNNING;
    return cell;
  }

  /** On the prototype, so isCell() costs no memory per actor. */
  get [cellBrand](): true {
    return true;
  }

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

  extras(): Extras {
    return (this.ext ??= new Extras());
  }

  // ---- sending ----

  tell(message: unknown, sender?: PID): boolean {
    if (this.state >= STOPPING) {
      this.undeliverable(message, sender, "actor stopped");
      return false;
    }
    if (!this.mailbox.push(message, sender)) return this.overflow(message, sender);
    if (!this.scheduled && this.state === RUNNING && !this.busy) this.runtime.dispatcher.schedule(this);
    else if (this.state === PASSIVATED) reactivateCell(this);
    return true;
  }

  /** Queues `messages` in order with one wake-up; stops at the first refused one (handled as tell would). Returns how many were queued. */
  tellBatch(messages: readonly unknown[], sender?: PID): number {
    return this.queueBatch(messages, sender, undefined);
  }

  /** Asks every message with one wake-up; resolves with the replies in order, rejects with the first failure. */
  askBatch<R>(messages: readonly unknown[], options?: AskOptions): Promise<R[]> {
    const repliers: AskReplier[] = [];
    for (let i = 0; i < messages.length; i++) {
      const replier = this.runtime.prepareAsk(this.address, options);
      if (replier instanceof Error) {
        for (const r of repliers) r.reject(replier);
        return Promise.reject(replier);
      }
      repliers.push(replier);
    }
    const queued = this.queueBatch(messages, undefined, repliers);
    // Past a refused message nothing was queued: those asks fail as the refused one did.
    for (let i = queued + 1; i < repliers.length; i++)
      (repliers[i] as AskReplier).reject(new MailboxFullError(this.address, this.mailbox.capacity));
    return Promise.all(repliers.map((r) => r.promise as Promise<R>));
  }

  /** Pushes `messages` (sent by `sender`, or each by its entry of `senders`) until one is refused; wakes the actor once. */
  private queueBatch(messages: readonly unknown[], sender: PID | undefined, senders: readonly PID[] | undefined): number {
    if (this.state >= STOPPING) {
      for (let i = 0; i < messages.length; i++)
        this.undeliverable(messages[i], senders === undefined ? sender : senders[i], "actor stopped");
      return 0;
    }
    const mailbox = this.mailbox;
    let n = 0;
    for (; n < messages.length; n++) {
      const from = senders === undefined ? sender : senders[n];
      if (!mailbox.push(messages[n], from)) {
        this.overflow(messages[n], from);
        break;
      }
    }
    if (n === 0) return 0;
    if (!this.scheduled && this.state === RUNNING && !this.busy) this.runtime.dispatcher.schedule(this);
    else if (this.state === PASSIVATED) reactivateCell(this);
    return n;
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
      reactivateCell(this);
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

  undeliverable(message: unknown, sender: PID | undefined, reason: string): void {
    rejectSender(sender, new DeadActorError(this.address));
    this.runtime.deadLetter(message, sender, this.address, reason);
  }

  /** Queues a system notice (Terminated) ahead of user mail, past any capacity. */
  deliverNotice(message: unknown, sender: PID): void {
    if (this.state >= STOPPING) return;
    (this.extras().system ??= new UnboundedMailbox()).pushForced(message, sender);
    if (!this.scheduled && this.state === RUNNING && !this.busy) this.runtime.dispatcher.schedule(this);
    else if (this.state === PASSIVATED) reactivateCell(this);
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
      // System notices share the mailbox's invoke call below (one call site keeps the hot loop's inlining as it was).
      let source = mailbox;
      if (ext !== undefined) {
        const system = ext.system;
        if (system !== undefined && system.size > 0) source = system;
        else {
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
      }
      if (source.size === 0) break;
      const message = source.shift();
      n++;
      if (record === undefined) this.invoke(message, source.sender);
      else this.timedInvoke(message, source.sender, record);
    }
    const tracker = this.ext?.tracker;
    // PostStart is not a use of the actor: it does not count toward afterMessages.
    if (tracker !== undefined) this.runtime.passivator().touched(tracker, n - lifecycle);
    if (!this.scheduled && this.state === RUNNING && !this.busy && this.hasWork()) this.runtime.dispatcher.schedule(this);
    this.processed += n;
    return n;
  }

  isIdle(): boolean {
    return this.state === RUNNING && !this.busy && !this.scheduled && !this.hasWork();
  }

  hasWork(): boolean {
    const ext = this.ext;
    if (ext === undefined) return this.mailbox.size > 0 || this.postStartDue;
    if (
      ext.front !== undefined ||
      (ext.continuations !== undefined && ext.continuations.length > 0) ||
      (ext.system !== undefined && ext.system.size > 0) ||
      this.postStartDue
    )
      return true;
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
      this.failAsk(sender, error);
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
          // ctx.sender is still this turn's sender: nothing else runs as a turn while it awaits.
          this.failAsk(this.ctx.sender, error);
          this.fail(error);
          this.afterFailure();
        }),
      );
      return;
    }
    this.busy = false;
    if (this.ext?.stopRequested === true) finishStop(this);
  }

  /** Rejects the asker (local or remote temporary sender) of a message whose handler threw; other senders are left alone. */
  private failAsk(sender: PID | undefined, error: unknown): void {
    if (typeof (sender as Partial<RejectablePID> | undefined)?.reject === "function")
      (sender as RejectablePID).reject(new AskFailedError(this.address, error));
  }

  settle(): void {
    this.busy = false;
    const ext = this.ext;
    if (ext !== undefined && ext.turnStart !== 0) {
      this.runtime.recordDuration?.(performance.now() - ext.turnStart);
      ext.turnStart = 0;
    }
    if (ext?.stopRequested && this.state < STOPPING) {
      finishStop(this);
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

  afterFailure(): void {
    if (this.ext?.stopRequested && this.state < STOPPING && !this.busy) {
      finishStop(this);
      return;
    }
    if (!this.scheduled && this.state === RUNNING && !this.busy && this.hasWork()) this.runtime.dispatcher.schedule(this);
  }

  runContinuation(fn: (asTurn: boolean) => void): boolean {
    return runAsTurn(this, fn);
  }

  // ---- lifecycle and hierarchy (src/cell/lifecycle.ts) ----

  /** Creates the instance and runs preStart; returns a promise only when preStart is async. */
  init(): Promise<void> | undefined {
    this.ctx = new ActorContext(this);
    return activate(this);
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
  childNamed(name: string): CellState | undefined {
    return this.ext?.children?.get(name);
  }

  /** Messages queued in this actor's own mailbox now. */
  get mailboxSize(): number {
    return this.mailbox.size;
  }

  /** The lifecycle state as a word, for introspection. */
  get stateName(): StateName {
    return stateNames[this.state] ?? "stopped";
  }

  /** The live children. */
  childCells(): CellState[] {
    const children = this.ext?.children;
    return children === undefined ? [] : [...children.values()];
  }

  /** A dependency given at spawn, by id. */
  dependency(id: string): unknown {
    return this.options?.dependencies?.find((d) => d.id === id);
  }

  /** The dependencies given at spawn. */
  dependencies(): readonly unknown[] {
    return this.options?.dependencies ?? [];
  }

  /** Stops this actor after its current message: children first, then postStop, then watchers are told. */
  stop(): Promise<void> {
    return stopCell(this);
  }

  // ---- passivation (src/cell/passivation.ts) ----

  /** Passivates an idle actor: stops it for good, or with `reactivate` releases the instance until the next message. */
  passivate(): void {
    passivateCell(this);
  }

  // ---- fault handling (decided in src/supervision, carried out in src/cell/fault-handling.ts) ----

  /** Applies this actor's supervisor to `error` raised while it processed a message. */
  fail(error: unknown, escalatedFrom?: Supervisee): void {
    supervise(this, error, escalatedFrom);
  }

  supervisorOptions(): SupervisorOptions | undefined {
    return this.options?.supervisor ?? this.runtime.supervisor;
  }

  supervisingParent(): CellState | undefined {
    const parent = this.parentCell;
    return parent === undefined || parent.isGuardian ? undefined : parent;
  }

  restartRecord(): Extras {
    return this.extras();
  }

  restart(error: unknown): void {
    restartCell(this, error);
  }

  suspend(error: unknown): void {
    suspendCell(this, error);
  }

  pauseForEscalation(): void {
    holdForEscalation(this);
  }

  resumeAfterEscalation(): void {
    resumeCell(this);
  }

  pauseForBackoff(): void {
    holdForBackoff(this);
  }

  // ---- behaviors and stash (src/cell/behaviors-stash.ts) ----

  become(behavior: Behavior, stack: boolean): void {
    becomeBehavior(this, behavior, stack);
  }

  unbecome(): void {
    unbecomeBehavior(this);
  }

  stash(message: unknown, sender: PID | undefined): void {
    stashMessage(this, message, sender);
  }

  unstash(): void {
    unstashMessage(this);
  }

  unstashAll(): void {
    unstashMessages(this);
  }

  // ---- death watch and reentrancy (src/cell/death-watch.ts, src/cell/reentrancy.ts; runContinuation above) ----

  watch(target: PID): void {
    addWatch(this, target);
  }

  unwatch(target: PID): void {
    removeWatch(this, target);
  }

  /** Number of live watchers and watched actors, for leak checks. */
  watchCounts(): { watchers: number; watching: number } {
    return countWatches(this);
  }

  requestStarted(): void {
    countRequest(this);
  }

  requestSettled(): void {
    settleRequest(this);
  }
}
