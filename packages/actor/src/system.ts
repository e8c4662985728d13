import { create } from "@bufbuild/protobuf";
import type { Meter } from "@opentelemetry/api";
import type { ActorFactory, Behavior, ReceiveContext } from "./actor.js";
import { type AskReplier, DeadlineList, prepareAsk } from "./ask.js";
import type { CellState } from "./cell/cell-state.js";
import { isSuspended, reinstateCell } from "./cell/fault-handling.js";
import { queuedMessages } from "./cell/lifecycle.js";
import { ActorCell } from "./cell.js";
import { type Clock, isClock, systemClock } from "./clock.js";
import { Dispatcher, type DispatcherOptions } from "./dispatcher.js";
import { ActorAlreadyExistsError, ActorNotFoundError, InvalidNameError, InvalidOptionError, SystemNotStartedError } from "./errors.js";
import { EventStream } from "./event-stream.js";
import { type Extension, indexById } from "./extensions.js";
import { ActorStartedSchema, ActorStoppedSchema, DeadletterSchema } from "./gen/tsakt/actor/v1/events_pb.js";
import { consoleLogger, type Logger, type LoggerLike, toLogger } from "./logger.js";
import { isPositiveInt } from "./mailbox/options.js";
import { typeNameOf } from "./messages.js";
import { installMetrics, resolveMeter, validateMetricsOptions } from "./metrics.js";
import type { DurationRecorder, MetricsOptions } from "./metrics-options.js";
import { NameCache } from "./name-cache.js";
import { validateName } from "./names.js";
import { type PassivationCapOptions, Passivator, validatePassivationCap } from "./passivation.js";
import type { AskOptions, PID } from "./pid.js";
import { orderPlugins, type Plugin, type ProtoTypes } from "./plugin.js";
import { registerHost } from "./plugin-host.js";
import { installScheduler, Scheduler } from "./scheduler/scheduler.js";
import { runShutdownHooks, type ShutdownHook, validateShutdownHook } from "./shutdown.js";
import { type SpawnOptions, validateSpawnOptions } from "./spawn-options.js";
import { type SupervisorOptions, validateSupervisorOptions } from "./supervision/options.js";

/** Options of ActorSystem.start. */
export interface ActorSystemOptions {
  /** The system's name, part of every address. Default: "tsakt". */
  name?: string;
  /** Where logs go; a pino logger fits (fatal and child are derived when missing). Default: consoleLogger("warn"). */
  logger?: LoggerLike;
  /** Timeout of asks that give none. Default: 5000. */
  askTimeoutMs?: number;
  /** Dispatcher tuning. Default: throughput 32, sliceMs 2. */
  dispatcher?: DispatcherOptions;
  /** Supervisor of actors spawned without one. Default: restart on every error, no limit. */
  supervisor?: SupervisorOptions;
  /** Plugins such as remoting(), cluster(), grains(), pubsub(); each starts after the plugins it depends on. Default: none. */
  plugins?: Plugin[];
  /** Node-wide cap on live passivatable actors, evicting LRU or LFU. Default: no cap. */
  passivation?: PassivationCapOptions;
  /** Steps run in order by stop() before actors stop (coordinated shutdown). Default: none. */
  shutdownHooks?: ShutdownHook[];
  /** System-wide services actors look up with ctx.extension(id). Default: none. */
  extensions?: Extension[];
  /** OpenTelemetry metrics: true for the global meter provider, or { meter }. Default: false. */
  metrics?: MetricsOptions;
  /** Where time comes from (ask deadlines, passivation, scheduler, cluster failure detection); tests pass a TestClock. Default: the real clock. */
  clock?: Clock;
  /**
   * Signals on which the system stops gracefully (coordinated shutdown: a cluster node hands over what it hosts and
   * leaves) and the process then exits with code 0. Default: none (the signal's default behaviour).
   */
  shutdownOnSignals?: readonly ("SIGTERM" | "SIGINT" | "SIGHUP")[];
}

const knownOptions = new Set([
  "name",
  "logger",
  "askTimeoutMs",
  "dispatcher",
  "supervisor",
  "plugins",
  "passivation",
  "shutdownHooks",
  "extensions",
  "metrics",
  "clock",
  "shutdownOnSignals",
]);

/** An actor system: the root of a hierarchy of actors, their dispatcher, event stream and dead letters. */
export class ActorSystem implements AsyncDisposable {
  readonly name: string;
  readonly logger: Logger;
  readonly eventStream: EventStream;
  /** Timeout of asks that give none, in ms. */
  readonly askTimeoutMs: number;
  /** Where the system reads the time and starts timers. */
  readonly clock: Clock;
  /** @internal */
  readonly dispatcher: Dispatcher;
  /** @internal */
  readonly supervisor: SupervisorOptions | undefined;
  private prefix: string;
  private readonly root: ActorCell;
  private readonly userGuardian: ActorCell;
  private readonly systemGuardian: ActorCell;
  private readonly plugins: Plugin[];
  private readonly nameClaimers: Plugin[];
  private readonly startedPlugins = new Map<string, Plugin>();
  private readonly deadlines = new Map<number, DeadlineList>();
  private lastDeadlines: DeadlineList | undefined = undefined;
  private running = false;
  private stopping: Promise<void> | undefined = undefined;
  private live = 0;
  private deadLetters = 0;
  private terminationHooks: Array<() => void> = [];
  private passivatorInstance: Passivator | undefined = undefined;
  private readonly shutdownHooks: ShutdownHook[];
  private readonly extensionsById: Map<string, Extension>;
  private restarts = 0;
  /** @internal */
  readonly recordDuration: DurationRecorder | undefined;
  private readonly passivationCap: PassivationCapOptions | undefined;
  /** @internal The PIDs system.tell/ask found by name. */
  readonly names: NameCache = new NameCache(this);

  private constructor(options: ActorSystemOptions, meter: Meter | undefined) {
    this.name = options.name ?? "tsakt";
    this.logger = options.logger === undefined ? consoleLogger("warn", { system: this.name }) : toLogger(options.logger);
    this.eventStream = new EventStream(this.logger);
    this.dispatcher = new Dispatcher(options.dispatcher);
    this.askTimeoutMs = options.askTimeoutMs ?? 5000;
    this.clock = options.clock ?? systemClock;
    this.supervisor = options.supervisor;
    this.plugins = orderPlugins(options.plugins);
    this.nameClaimers = this.plugins.filter((p) => typeof p.claimName === "function");
    this.passivationCap = options.passivation;
    this.shutdownHooks = [...(options.shutdownHooks ?? [])];
    this.extensionsById = indexById<Extension>(options.extensions ?? [], "extensions");
    this.prefix = `tsakt://${this.name}`;
    this.root = ActorCell.guardian(this, "");
    const guardian = (ctx: ReceiveContext) => ctx.unhandled();
    this.userGuardian = this.root.spawnChild("user", guardian, undefined, true).cell;
    this.systemGuardian = this.root.spawnChild("system", guardian, undefined, true).cell;
    this.recordDuration = meter === undefined ? undefined : installMetrics(this, meter);
    registerHost(this, {
      system: this,
      clock: this.clock,
      meter,
      spawnSystemActor: (name, factory, spawnOptions) => this.spawnSystemActor(name, factory, spawnOptions),
      deadLetter: (message, sender, receiver, reason) => this.deadLetter(message, sender, receiver, reason),
      prepareAsk: (target, askOptions) => this.prepareAsk(target, askOptions),
      setAddressPrefix: (prefix) => {
        this.prefix = prefix;
      },
      onTerminated: (hook) => this.onTerminated(hook),
      plugin: <T extends Plugin>(name: string) => this.startedPlugins.get(name) as T | undefined,
      pluginTypes: () => this.plugins.flatMap((p): ProtoTypes[] => [...(p.types ?? [])]),
    });
    installScheduler(this, new Scheduler(this));
  }

  /** Validates `options`, starts the system and its plugins. */
  static async start(options: ActorSystemOptions = {}): Promise<ActorSystem> {
    validateSystemOptions(options);
    const system = new ActorSystem(options, await resolveMeter(options.metrics));
    system.running = true;
    system.listenForSignals(options.shutdownOnSignals ?? []);
    try {
      for (const plugin of system.plugins) {
        system.startedPlugins.set(plugin.name, plugin);
        await plugin.start(system);
      }
    } catch (error) {
      await system.stop();
      throw error;
    }
    return system;
  }

  /** "tsakt://name" locally; plugins such as remoting change it to "tsakt://name@host:port". */
  get addressPrefix(): string {
    return this.prefix;
  }

  /** True between start and stop. */
  get isRunning(): boolean {
    return this.running;
  }

  /** Number of live actors (guardians excluded). */
  get actorCount(): number {
    return this.live;
  }

  /** Number of dead letters since start. */
  get deadLetterCount(): number {
    return this.deadLetters;
  }

  /** Number of supervisor restarts since start. */
  get restartCount(): number {
    return this.restarts;
  }

  /** Number of messages actors processed since start. */
  get processedCount(): number {
    return this.dispatcher.processed;
  }

  /** Messages queued in all mailboxes now (walks every actor; meant for metrics, not hot paths). */
  queuedMessages(): number {
    return queuedMessages(this.root);
  }

  /** A system extension by id, or undefined. */
  extension<T extends Extension = Extension>(id: string): T | undefined {
    return this.extensionsById.get(id) as T | undefined;
  }

  /** Adds a coordinated-shutdown step, run by stop() after the ones added before it. */
  addShutdownHook(hook: ShutdownHook): void {
    validateShutdownHook(hook);
    this.shutdownHooks.push(hook);
  }

  /** Spawns a top-level actor under /user; resolves once its preStart finished. With a cluster, the name is unique cluster-wide. */
  spawn(name: string, factory: ActorFactory, options?: SpawnOptions): Promise<PID> {
    return this.spawnTopLevel(name, factory, options, false);
  }

  /** Spawns a top-level actor whose receive is `receive`. */
  spawnFunc(name: string, receive: Behavior, options?: SpawnOptions): Promise<PID> {
    if (typeof receive !== "function") return Promise.reject(new InvalidOptionError("receive", "must be a function (ctx) => void"));
    return this.spawnTopLevel(name, receive, options, true);
  }

  private async spawnTopLevel(
    name: string,
    factory: ActorFactory | Behavior,
    options: SpawnOptions | undefined,
    funcActor: boolean,
  ): Promise<PID> {
    if (!this.running) throw new SystemNotStartedError(`spawn "${name}"`);
    if (this.nameClaimers.length === 0) {
      const { cell, ready } = this.userGuardian.spawnChild(name, factory, options, funcActor);
      if (ready !== undefined) await ready;
      return cell;
    }
    // Local checks first, so a bad or duplicate name fails without asking the cluster.
    validateName(name);
    validateSpawnOptions(options);
    if (this.userGuardian.childNamed(name) !== undefined) throw new ActorAlreadyExistsError(name);
    const settled: Array<(spawned: boolean) => void> = [];
    try {
      for (const plugin of this.nameClaimers) {
        const settle = await plugin.claimName?.(name);
        if (settle !== undefined) settled.push(settle);
      }
      const { cell, ready } = this.userGuardian.spawnChild(name, factory, options, funcActor);
      if (ready !== undefined) await ready;
      for (const settle of settled) settle(true);
      return cell;
    } catch (error) {
      for (const settle of settled) settle(false);
      throw error;
    }
  }

  /** @internal Spawns an actor under /system, for plugins (remoting, cluster) rather than users. */
  async spawnSystemActor(name: string, factory: ActorFactory, options?: SpawnOptions): Promise<PID> {
    if (!this.running) throw new SystemNotStartedError(`spawn "${name}"`);
    const { cell, ready } = this.systemGuardian.spawnChild(name, factory, options);
    if (ready !== undefined) await ready;
    return cell;
  }

  /** The local actor with this name (top level), path ("/user/a/b") or local address; undefined when none. */
  localActorOf(nameOrPath: string): PID | undefined {
    let path = nameOrPath;
    if (path.startsWith(`${this.prefix}/`)) path = path.slice(this.prefix.length);
    else if (path.startsWith("tsakt://")) return undefined;
    if (!path.startsWith("/")) return this.userGuardian.childNamed(path);
    let cell: CellState | undefined = this.root;
    for (const segment of path.split("/").slice(1)) {
      cell = cell.childNamed(segment);
      if (cell === undefined) return undefined;
    }
    return cell === this.root ? undefined : cell;
  }

  /** Finds an actor by name, path or address: locally first, then through plugins (remoting, cluster). */
  async actorOf(nameOrAddress: string): Promise<PID> {
    if (typeof nameOrAddress !== "string" || nameOrAddress.length === 0)
      throw new InvalidNameError(String(nameOrAddress), "must be a non-empty name, path or address");
    if (!this.running) throw new SystemNotStartedError(`look up "${nameOrAddress}"`);
    const local = this.localActorOf(nameOrAddress);
    if (local !== undefined) return local;
    for (const plugin of this.plugins) {
      const found = await plugin.resolve?.(nameOrAddress);
      if (found !== undefined) return found;
    }
    throw new ActorNotFoundError(nameOrAddress);
  }

  /**
   * Tells the actor with this name, path or address (resolved like actorOf: local, remote, or clustered) without an
   * actorOf per message: the PID is cached until the actor terminates, then resolved again (so a relocated cluster
   * actor is found where it moved). Resolves with what pid.tell returned; rejects with ActorNotFoundError.
   */
  tell(name: string, message: unknown, sender?: PID): Promise<boolean> {
    return this.names.tell(name, message, sender);
  }

  /** Asks the actor with this name, path or address, with the PID cache of tell; an ask that finds the cached actor gone resolves the name again once. */
  ask<R = unknown>(name: string, message: unknown, options?: AskOptions): Promise<R> {
    return this.names.ask<R>(name, message, options);
  }

  /** Stops an actor (by PID or name) and its children; resolves when it has stopped. */
  async stopActor(target: PID | string): Promise<void> {
    const pid = typeof target === "string" ? this.localActorOf(target) : target;
    if (pid === undefined) throw new ActorNotFoundError(String(target));
    if (pid instanceof ActorCell) {
      await pid.stop();
      return;
    }
    for (const plugin of this.plugins) if (await plugin.stopActor?.(pid)) return;
    throw new InvalidOptionError("target", "must be a local actor, or a remote one with remoting enabled");
  }

  /** Resumes an actor its supervisor suspended; false when it was not suspended. */
  reinstate(target: PID | string): boolean {
    const pid = typeof target === "string" ? this.localActorOf(target) : target;
    if (!(pid instanceof ActorCell)) throw new ActorNotFoundError(String(target));
    return reinstateCell(pid);
  }

  /** True when the local actor is suspended by its supervisor. */
  isSuspended(target: PID): boolean {
    return target instanceof ActorCell && isSuspended(target);
  }

  /** @internal Runs `hook` once the system has fully stopped (timers of services such as the scheduler are released there). */
  onTerminated(hook: () => void): void {
    if (this.stopping === undefined) this.terminationHooks.push(hook);
    else void this.stopping.then(hook);
  }

  private listenForSignals(signals: readonly NodeJS.Signals[]): void {
    for (const signal of new Set(signals)) {
      const onSignal = (): void => {
        this.logger.info({ signal }, "stopping the actor system on a signal");
        this.stop().then(
          () => process.exit(0),
          (error: unknown) => {
            this.logger.error({ err: error }, "stopping on a signal failed");
            process.exit(1);
          },
        );
      };
      process.once(signal, onSignal);
      this.terminationHooks.push(() => process.off(signal, onSignal));
    }
  }

  /** Stops user actors depth-first, then plugins, then system actors; pending asks fail. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  private async shutdown(): Promise<void> {
    const hookError = await runShutdownHooks(this.shutdownHooks, this.logger);
    this.running = false;
    await this.userGuardian.stop();
    for (const plugin of [...this.plugins].reverse()) {
      if (!this.startedPlugins.has(plugin.name)) continue;
      try {
        await plugin.stop();
      } catch (error) {
        this.logger.error({ err: error, plugin: plugin.name }, "plugin failed to stop");
      }
      this.startedPlugins.delete(plugin.name);
    }
    await this.systemGuardian.stop();
    await this.root.stop();
    for (const list of this.deadlines.values()) list.clear();
    this.deadlines.clear();
    this.lastDeadlines = undefined;
    for (const hook of this.terminationHooks.splice(0)) {
      try {
        hook();
      } catch (error) {
        this.logger.error({ err: error }, "termination hook threw");
      }
    }
    if (hookError !== undefined) throw hookError;
  }

  // ---- Runtime, used by actor cells ----

  /** @internal Records an undeliverable message: counts it and publishes a Deadletter event. */
  deadLetter(message: unknown, sender: PID | undefined, receiver: string, reason: string): void {
    this.deadLetters++;
    if (this.eventStream.subscriberCount > 0)
      this.eventStream.publish(
        create(DeadletterSchema, { sender: sender?.address ?? "", receiver, messageType: typeNameOf(message), reason }),
      );
  }

  /** @internal Starts an ask whose reply arrives by other means (see PluginHost.prepareAsk). */
  prepareAsk(target: string, options?: AskOptions): AskReplier | Error {
    if (!this.running) return new SystemNotStartedError(`ask ${target}`);
    return prepareAsk(target, this.prefix, options, this.askTimeoutMs, this.deadlineList);
  }

  private readonly deadlineList = (timeoutMs: number): DeadlineList => {
    const last = this.lastDeadlines;
    if (last !== undefined && last.timeoutMs === timeoutMs) return last;
    let list = this.deadlines.get(timeoutMs);
    if (list === undefined) {
      list = new DeadlineList(timeoutMs, this.clock);
      this.deadlines.set(timeoutMs, list);
    }
    this.lastDeadlines = list;
    return list;
  };

  /** @internal */
  actorStarted(actor: PID): void {
    this.live++;
    if (this.eventStream.subscriberCount > 0) this.eventStream.publish(create(ActorStartedSchema, { address: actor.address }));
  }

  /** @internal */
  passivator(): Passivator {
    if (this.passivatorInstance === undefined) {
      const passivator = (this.passivatorInstance = new Passivator(this.passivationCap, this.clock));
      this.onTerminated(() => passivator.stop());
    }
    return this.passivatorInstance;
  }

  /** @internal */
  restarted(): void {
    this.restarts++;
  }

  /** @internal */
  actorStopped(actor: PID): void {
    this.live--;
    if (this.eventStream.subscriberCount > 0) this.eventStream.publish(create(ActorStoppedSchema, { address: actor.address }));
  }
}

function validateSystemOptions(options: unknown): asserts options is ActorSystemOptions {
  if (typeof options !== "object" || options === null) throw new InvalidOptionError("options", "must be an object");
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o))
    if (!knownOptions.has(key)) throw new InvalidOptionError(key, `is not an ActorSystem option (known: ${[...knownOptions].join(", ")})`);
  if (o.name !== undefined) {
    try {
      validateName(o.name);
    } catch (error) {
      throw new InvalidOptionError("name", (error as Error).message);
    }
  }
  if (o.askTimeoutMs !== undefined && !isPositiveInt(o.askTimeoutMs))
    throw new InvalidOptionError("askTimeoutMs", `must be a positive whole number of milliseconds, got ${String(o.askTimeoutMs)}`);
  if (o.logger !== undefined) {
    const l = o.logger as Record<string, unknown>;
    for (const level of ["trace", "debug", "info", "warn", "error"])
      if (typeof l?.[level] !== "function")
        throw new InvalidOptionError(`logger.${level}`, "must be a function (the logger must look like pino's)");
    for (const optional of ["fatal", "child"])
      if (l[optional] !== undefined && typeof l[optional] !== "function")
        throw new InvalidOptionError(`logger.${optional}`, "must be a function when present (the logger must look like pino's)");
  }
  if (o.dispatcher !== undefined) {
    const d = o.dispatcher as Record<string, unknown>;
    if (typeof d !== "object" || d === null) throw new InvalidOptionError("dispatcher", "must be an object { throughput?, sliceMs? }");
    if (d.throughput !== undefined && !isPositiveInt(d.throughput))
      throw new InvalidOptionError("dispatcher.throughput", `must be a positive whole number, got ${String(d.throughput)}`);
    if (d.sliceMs !== undefined && !(typeof d.sliceMs === "number" && d.sliceMs > 0))
      throw new InvalidOptionError("dispatcher.sliceMs", `must be a positive number, got ${String(d.sliceMs)}`);
  }
  if (o.supervisor !== undefined) validateSupervisorOptions(o.supervisor);
  if (o.passivation !== undefined) validatePassivationCap(o.passivation);
  if (o.shutdownHooks !== undefined) {
    if (!Array.isArray(o.shutdownHooks)) throw new InvalidOptionError("shutdownHooks", "must be an array of { name, run }");
    o.shutdownHooks.forEach((hook: unknown, i) => {
      validateShutdownHook(hook, `shutdownHooks[${i}]`);
    });
  }
  if (o.extensions !== undefined) indexById(o.extensions, "extensions");
  if (o.metrics !== undefined) validateMetricsOptions(o.metrics);
  if (
    o.shutdownOnSignals !== undefined &&
    !(Array.isArray(o.shutdownOnSignals) && o.shutdownOnSignals.every((s) => s === "SIGTERM" || s === "SIGINT" || s === "SIGHUP"))
  )
    throw new InvalidOptionError("shutdownOnSignals", 'must be an array of "SIGTERM", "SIGINT" or "SIGHUP"');
  if (o.clock !== undefined && !isClock(o.clock))
    throw new InvalidOptionError("clock", "must be a Clock { now(), setTimeout(callback, ms), clearTimeout(handle) }");
}
