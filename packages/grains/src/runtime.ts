import { type Actor, type ActorSystem, type PID, type SpawnOptions, SystemNotStartedError } from "@tsakt/actor";
import { every, hostOf, type PluginHost } from "@tsakt/actor/internal";
import type { ActivationHost } from "./activation.js";
import { GrainAsk } from "./activation-messages.js";
import { GrainDelivery, OwnerGone, Relinquish, SweepTick } from "./commands.js";
import { type GrainDirectory, InMemoryGrainDirectory } from "./directory.js";
import { GrainEntry } from "./entry.js";
import { ACTIVE, type HandleEntry } from "./entry-state.js";
import { messageOf, UnknownGrainKindError } from "./errors.js";
import type { GrainForwarder, GrainForwardTarget } from "./forwarder.js";
import { GrainRef, type GrainRefHost } from "./grain-ref.js";
import { activationName, type GrainIdentity, grainKey, storedGrainKey, validateId, validateKind } from "./identity.js";
import type { GrainKind } from "./kind.js";
import { instrumentGrains } from "./metrics.js";
import { type GrainPlacement, localPlacement } from "./placement.js";

/** Name of the manager actor under /system; the activations are its children. */
export const managerName = "grains";

// An error in the manager's own code must not restart it: a restart would stop every activation (its children).
const managerOptions: SpawnOptions = { supervisor: { directive: "resume" } };
const sweepTick = new SweepTick();
const noop = (): void => {};
const inMemoryClaim = InMemoryGrainDirectory.prototype.claim;

/**
 * The grains of one actor system: the registered kinds, the table of identities that are active or have messages
 * on the way, and the way to the manager actor that activates and deactivates them. Handles read the table
 * directly to send to active grains; only the manager changes an entry's state.
 */
export class GrainRuntime implements GrainForwardTarget, GrainRefHost, ActivationHost {
  readonly entries = new Map<string, GrainEntry>();
  readonly kinds = new Map<string, GrainKind>();
  readonly managerPath = `/system/${managerName}`;
  stopped = false;
  /** Set while this node leaves the cluster (or after it was downed): new messages are refused. */
  leaving = false;
  /**
   * Whether stopping releases the claims of the active grains. A cluster node does not: its leave makes the survivors
   * drop every registry entry it owned, and a release sent while the system stops has no one left to answer it.
   */
  releaseOnStop = true;
  /** Activations that finished onActivate, and those of them that stopped since. */
  readonly lifetimes = { activations: 0, deactivations: 0 };
  /** Interval of the idle sweep, in ms. */
  sweepTickMs = 1000;
  private managerPid: PID | undefined = undefined;
  private attempts = 0;
  private cancelSweep: (() => void) | undefined = undefined;
  /** The system's plugin host. */
  readonly host: PluginHost;
  private sweepDue = false;
  /** The last directory call per identity, so claims and releases of one identity never overtake each other. */
  private readonly directoryCalls = new Map<string, Promise<void>>();

  private constructor(
    readonly system: ActorSystem,
    readonly directory: GrainDirectory,
    readonly placement: GrainPlacement,
    readonly forwarder: GrainForwarder | undefined,
  ) {
    this.host = hostOf(system);
  }

  /** Registers `kinds` and spawns the manager actor that `manager` makes under /system. */
  static async start(
    system: ActorSystem,
    kinds: readonly GrainKind[],
    directory: GrainDirectory,
    placement: GrainPlacement,
    forwarder: GrainForwarder | undefined,
    manager: (runtime: GrainRuntime) => Actor,
  ): Promise<GrainRuntime> {
    const runtime = new GrainRuntime(system, directory, placement, forwarder);
    for (const kind of kinds) runtime.kinds.set(kind.name, kind);
    runtime.managerPid = await runtime.host.spawnSystemActor(managerName, () => manager(runtime), managerOptions);
    if (runtime.host.meter !== undefined) instrumentGrains(runtime.host.meter, runtime);
    forwarder?.start(runtime);
    return runtime;
  }

  /** The manager actor. */
  get manager(): PID {
    return this.managerPid as PID;
  }

  /** This node's name in the directory and for placement: the system's address prefix. */
  get node(): string {
    return this.system.addressPrefix;
  }

  /** A handle on kind/id; throws InvalidOptionError naming "kind" or "id", or UnknownGrainKindError. */
  ref(kind: string, id: string): GrainRef {
    const registered = this.kinds.get(kind);
    if (registered === undefined) {
      validateKind(kind);
      throw new UnknownGrainKindError(kind, [...this.kinds.keys()]);
    }
    validateId(id);
    const key = grainKey(kind, id);
    const entry = this.entries.get(key);
    if (entry !== undefined) return entry.ref;
    return new GrainRef(this, Object.freeze({ kind, id }), storedGrainKey(kind, id), activationName(kind, id));
  }

  /** Sends a message through the manager (the grain is not active, or earlier messages are still with the manager). */
  route(ref: GrainRef, message: unknown, sender: PID | undefined, hops = 0): boolean {
    if (this.stopped || this.leaving)
      return this.refuse(
        ref,
        message,
        sender,
        new SystemNotStartedError(`send to grain ${ref.key}${this.leaving ? " (this node is leaving the cluster)" : ""}`),
      );
    let entry = this.entries.get(ref.key);
    if (entry === undefined) {
      // A kind is never replaced or removed once registered, so the ref's kind is still this one.
      entry = new GrainEntry(ref, this.kinds.get(ref.identity.kind) as GrainKind);
      this.entries.set(ref.key, entry);
    }
    ref.entry = entry;
    entry.queued++;
    if (this.manager.tell(new GrainDelivery(entry, message, hops), sender)) return true;
    entry.queued--;
    return this.refuse(ref, message, sender, new SystemNotStartedError(`send to grain ${ref.key}`));
  }

  /** Delivers a message another node forwarded here: it activates here, without asking placement. */
  deliverForwarded(identity: GrainIdentity, message: unknown, sender: PID | undefined, hops: number): void {
    this.deliverForwardedTo(this.ref(identity.kind, identity.id), message, sender, hops);
  }

  /** Delivers a message another node forwarded here to the grain of `ref`: straight to its activation when it is active. */
  deliverForwardedTo(ref: GrainRef, message: unknown, sender: PID | undefined, hops: number): void {
    if (ref.direct(message, sender) === undefined) this.route(ref, message, sender, hops);
  }

  /** Asks a grain for another node; resolves with the grain's reply. */
  askForwarded(identity: GrainIdentity, message: unknown, hops: number, timeoutMs: number): Promise<unknown> {
    const ref = this.ref(identity.kind, identity.id);
    const replier = this.host.prepareAsk(ref.address, { timeoutMs });
    if (replier instanceof Error) return Promise.reject(replier);
    const ask = new GrainAsk(message, replier);
    if (ref.direct(ask, replier) === undefined) this.route(ref, ask, replier, hops);
    return replier.promise;
  }

  /** Asks the grain of `entry` on the node that owns it (state REMOTE): one remote ask, no local one around it. */
  askRemote(entry: HandleEntry, message: unknown, timeoutMs: number | undefined): Promise<unknown> {
    entry.forwarded = true;
    const forwarder = this.forwarder as GrainForwarder;
    return forwarder.ask(entry.owner, entry.ref.identity, message, 1, timeoutMs ?? this.system.askTimeoutMs);
  }

  /** Sends a message of the entry's identity to the node that owns it (state REMOTE). */
  forward(entry: HandleEntry, message: unknown, sender: PID | undefined, hops: number): boolean {
    const forwarder = this.forwarder as GrainForwarder;
    entry.forwarded = true;
    const identity = entry.ref.identity;
    if (message instanceof GrainAsk) {
      const replier = message.replier;
      forwarder.ask(entry.owner, identity, message.message, hops, Math.max(1, replier.remainingMs())).then(
        (reply) => replier.tell(reply),
        (error: unknown) => replier.reject(error),
      );
      return true;
    }
    forwarder.tell(entry.owner, identity, message, sender, hops);
    return true;
  }

  /**
   * Stops local activations without releasing their claims: all of them (`keys` undefined: this node leaves the
   * cluster, so later messages are refused), or the duplicates of `keys`, whose messages go on to `owners`.
   * Resolves with the keys whose activation stopped.
   */
  relinquish(keys?: ReadonlySet<string>, owners?: ReadonlyMap<string, string>): Promise<string[]> {
    if (keys === undefined) this.leaving = true;
    if (this.stopped) return Promise.resolve([]);
    return new Promise((resolve) => {
      if (!this.manager.tell(new Relinquish(keys, owners, resolve))) resolve([]);
    });
  }

  /** The node left the cluster: the manager forgets which grains it owned. */
  ownerGone(node: string): void {
    if (!this.stopped) this.manager.tell(new OwnerGone(node));
  }

  /** Active grains on this node. */
  activeCount(): number {
    let count = 0;
    for (const entry of this.entries.values()) if (entry.state === ACTIVE) count++;
    return count;
  }

  /** Fails a message that reaches no activation: an ask rejects with `error`, a tell becomes a dead letter. */
  refuse(ref: GrainRef, message: unknown, sender: PID | undefined, error: unknown): false {
    if (message instanceof GrainAsk) message.replier.reject(error);
    else this.host.deadLetter(message, sender, ref.address, messageOf(error));
    return false;
  }

  /** A fresh attempt number, unique in this runtime. */
  nextAttempt(): number {
    return ++this.attempts;
  }

  /** Asks placement where the grain goes and, when here, claims it in the directory; resolves with the owning node. */
  claim(entry: GrainEntry): Promise<string> {
    const identity = entry.ref.identity;
    return this.directoryCall(entry.ref.key, async () => {
      const self = this.node;
      if (entry.hops > 0) {
        // Forwarded here: the sender's node claimed it for this node, or lost a race to another owner. A claim for this
        // node answers which, at the registry's primary: the owner there, or this node when nobody owned it, instead
        // of bouncing the call back. (A read could be answered by a lagging backup; a claim cannot.)
        return this.directory.claim(identity, self);
      }
      // Whoever placement picks, the identity is claimed for it before anyone forwards there.
      const chosen = await this.placement.place({ identity, self });
      return this.directory.claim(identity, chosen);
    });
  }

  /**
   * The owning node at once, without a promise or a turn of the manager in between, where that changes nothing: the
   * grain goes to this node (local placement, or forwarded here), the directory is the in-memory one (not a subclass
   * with its own claim), and no call of the identity is still running. Undefined otherwise: use claim.
   */
  claimNow(entry: GrainEntry): string | undefined {
    const directory = this.directory;
    if (!(directory instanceof InMemoryGrainDirectory) || directory.claim !== inMemoryClaim) return undefined;
    if ((this.placement !== localPlacement && entry.hops === 0) || this.directoryCalls.has(entry.ref.key)) return undefined;
    try {
      return directory.claimKey(entry.ref.key, this.node);
    } catch {
      return undefined; // claim fails the same way, and reports it as usual
    }
  }

  /** Gives up this node's claim on the entry's identity; errors are logged, as nobody waits for a release. */
  release(entry: GrainEntry): Promise<void> {
    entry.claimed = false;
    const identity = entry.ref.identity;
    const node = this.node;
    return this.directoryCall(entry.ref.key, () => this.directory.release(identity, node)).then(noop, (error: unknown) =>
      this.system.logger.error(
        { grain: entry.ref.key, err: error, directory: this.directory.name },
        "grain directory failed to release a claim",
      ),
    );
  }

  /** Forgets an entry the manager removed, releasing its claim. */
  forget(entry: GrainEntry): void {
    if (this.entries.get(entry.ref.key) === entry) this.entries.delete(entry.ref.key);
    if (entry.claimed) void this.release(entry);
  }

  /** Runs the idle sweep often enough for a kind with this idle time: a quarter of it, between 1 ms and 1 s. */
  watchIdle(idleMs: number): void {
    if (this.stopped) return;
    const tick = Math.min(1000, Math.max(1, Math.floor(idleMs / 4)));
    if (this.cancelSweep !== undefined && tick >= this.sweepTickMs) return;
    this.stopSweeper();
    this.sweepTickMs = tick;
    // The clock's timers do not keep the process alive: idle grains alone must not.
    this.cancelSweep = every(this.system.clock, tick, this.requestSweep);
  }

  /** Called by the manager when it has swept. */
  swept(watching: number): void {
    this.sweepDue = false;
    if (watching === 0) this.stopSweeper();
  }

  /** Stops the idle sweep (no grain left to watch, or stopping). */
  stopSweeper(): void {
    this.cancelSweep?.();
    this.cancelSweep = undefined;
  }

  /** Refuses new messages and stops the manager, which deactivates every grain first. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopSweeper();
    this.forwarder?.stop();
    if (this.managerPid !== undefined) await this.system.stopActor(this.managerPid);
  }

  private readonly requestSweep = (): void => {
    // A busy manager gets one sweep at a time, not a backlog of them.
    if (this.sweepDue) return;
    this.sweepDue = true;
    this.manager.tell(sweepTick);
  };

  private directoryCall<T>(key: string, call: () => Promise<T>): Promise<T> {
    const run = (): Promise<T> => {
      try {
        return Promise.resolve(call());
      } catch (error) {
        return Promise.reject(error);
      }
    };
    const previous = this.directoryCalls.get(key);
    const result = previous === undefined ? run() : previous.then(run);
    const done = result.then(noop, noop);
    this.directoryCalls.set(key, done);
    void done.then(() => {
      if (this.directoryCalls.get(key) === done) this.directoryCalls.delete(key);
    });
    return result;
  }
}
