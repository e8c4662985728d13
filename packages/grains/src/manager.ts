import { isMessage } from "@bufbuild/protobuf";
import {
  type Actor,
  isTsaktError,
  type PID,
  type ReceiveContext,
  type SpawnOptions,
  SystemNotStartedError,
  TerminatedSchema,
} from "@tsakt/actor";
import { parentWatches } from "@tsakt/actor/internal";
import { GrainActivationActor } from "./activation.js";
import { ActivationDeadlines } from "./activation-deadlines.js";
import { RetireActivation } from "./activation-messages.js";
import {
  ActivationDeadlinesDue,
  ActivationFenced,
  ActivationOutcome,
  ActivationRetired,
  ClaimOutcome,
  GrainDelivery,
  OwnerGone,
  Relinquish,
  SweepTick,
} from "./commands.js";
import { Activation, type GrainEntry } from "./entry.js";
import { ACTIVATING, ACTIVE, DEACTIVATING, INACTIVE, REMOTE, REMOVED } from "./entry-state.js";
import { GrainActivationError, GrainActivationTimeoutError, GrainOwnedElsewhereError } from "./errors.js";
import { maxForwardHops } from "./forwarder.js";
import { keyOfActivationName } from "./identity.js";
import type { GrainRuntime } from "./runtime.js";

// The activation catches every error of the grain; anything else reaching supervision is a bug, and stopping is safest.
// The manager hears of each activation's end (Terminated) as its parent, without a death watch per activation.
const activationOptions: SpawnOptions = { supervisor: { directive: "stop" }, [parentWatches]: true } as SpawnOptions;
const retire = new RetireActivation();
const deadlinesDue = new ActivationDeadlinesDue();

/**
 * The actor at /system/grains that owns the grains' lifecycle: it places messages of inactive grains, claims
 * identities in the directory, spawns one activation per identity (its children), fails callers when an
 * activation fails or times out, deactivates idle grains and starts the next activation when one has stopped.
 * One actor does all of it, one message at a time, which is what makes activation exactly-once on this node.
 */
export class GrainManager implements Actor {
  /** The actor of the activation being spawned, for takeSpawning. */
  private spawning: GrainActivationActor | undefined = undefined;
  /**
   * The factory of every activation's actor: the core calls it once, within spawn (an activation is never restarted:
   * its supervisor stops it), so one function serves all of them instead of one closure per activation.
   */
  private readonly takeSpawning = (): GrainActivationActor => {
    const actor = this.spawning;
    if (actor === undefined) throw new Error("a grain activation's actor is made once, when it is spawned");
    this.spawning = undefined;
    return actor;
  };
  /** The time limits of activation attempts (activationTimeoutMs). */
  private readonly deadlines: ActivationDeadlines;

  constructor(private readonly runtime: GrainRuntime) {
    this.deadlines = new ActivationDeadlines(runtime.system.clock, () => runtime.manager.tell(deadlinesDue));
  }

  receive(ctx: ReceiveContext): void {
    const m = ctx.message;
    if (m instanceof GrainDelivery) this.deliver(ctx, m.entry, m.message, ctx.sender, m.hops);
    else if (m instanceof Activation) this.activationDone(ctx, m, false, undefined);
    else if (m instanceof ActivationOutcome) this.activationDone(ctx, m.activation, true, m.error);
    else if (m instanceof ClaimOutcome) this.claimDone(ctx, m.entry, m.attempt, m.owner, m.failed, m.error);
    else if (m === deadlinesDue) this.deadlines.expire((entry, attempt) => this.timedOut(ctx, entry, attempt));
    else if (m instanceof SweepTick) this.sweep(ctx);
    else if (isMessage(m, TerminatedSchema) && ctx.sender !== undefined) this.terminated(ctx, ctx.sender);
    else if (m instanceof OwnerGone) this.ownerGone(m.node);
    else if (m instanceof Relinquish) this.relinquish(m);
    else if (m instanceof ActivationFenced) this.fenced(m.activation);
    else if (m instanceof ActivationRetired) this.retired(ctx, m);
    else if (this.runtime.forwarder?.accepts(m) === true) this.runtime.forwarder.receive(m, ctx.sender);
  }

  /** Deactivates every grain (the children stop first), then fails what still waits and releases the claims (see releaseOnStop). */
  async postStop(): Promise<void> {
    const releases: Promise<void>[] = [];
    this.deadlines.stop();
    for (const entry of this.runtime.entries.values()) {
      if (entry.pending !== undefined) this.failPending(entry, new SystemNotStartedError(`deliver to grain ${entry.ref.key}`));
      entry.state = REMOVED;
      if (entry.claimed && this.runtime.releaseOnStop) releases.push(this.runtime.release(entry));
    }
    this.runtime.entries.clear();
    await Promise.all(releases);
  }

  private deliver(ctx: ReceiveContext, entry: GrainEntry, message: unknown, sender: PID | undefined, hops: number): void {
    entry.queued--;
    if (entry.state === REMOTE && hops > 0) {
      // Another node's claim named this node just now, so the owner remembered here is older news (it may have failed
      // to activate or gone idle): claim again at the registry instead of bouncing the message back.
      entry.state = INACTIVE;
      entry.owner = "";
    }
    if (entry.state === REMOTE) {
      if (hops === 0) {
        this.runtime.forward(entry, message, sender, 1);
        return;
      }
      // Another node forwarded this here, so it believes this node owns the grain while this node's cached owner says
      // otherwise: one of the two caches is stale (say a claim that timed out but landed). The directory decides, as
      // for an inactive grain; forwarding back would bounce the message between the two until the hops run out.
      entry.state = INACTIVE;
      entry.owner = "";
    }
    if (entry.state === ACTIVE) {
      const activation = entry.activation as Activation;
      if (activation.cell.isAlive()) {
        activation.outstanding++;
        activation.cell.tell(message, sender);
        return;
      }
    }
    if (hops > entry.hops) entry.hops = hops;
    (entry.pending ??= []).push(message, sender);
    if (entry.state === INACTIVE) this.activate(ctx, entry);
  }

  private activate(ctx: ReceiveContext, entry: GrainEntry): void {
    entry.state = ACTIVATING;
    const attempt = (entry.attempt = this.runtime.nextAttempt());
    this.deadlines.add(entry, attempt, entry.kind.activationTimeoutMs);
    if (entry.claimed) {
      this.spawn(ctx, entry, attempt);
      return;
    }
    const owner = this.runtime.claimNow(entry);
    if (owner !== undefined) {
      this.claimDone(ctx, entry, attempt, owner, false, undefined);
      return;
    }
    const self = ctx.self;
    this.runtime.claim(entry).then(
      (owner) => self.tell(new ClaimOutcome(entry, attempt, owner, false, undefined)),
      (error: unknown) => self.tell(new ClaimOutcome(entry, attempt, undefined, true, error)),
    );
  }

  private claimDone(
    ctx: ReceiveContext,
    entry: GrainEntry,
    attempt: number,
    owner: string | undefined,
    failed: boolean,
    error: unknown,
  ): void {
    const won = !failed && owner === this.runtime.node;
    if (won) {
      if (entry.state === REMOVED) {
        // The callers gave up (timeout) and the entry went away while the claim was on its way: hand it back, unless a
        // newer entry of the identity is here by now. Its claim, queued behind this one, finds the identity ours and
        // activates on it; a release (by owner, not by attempt) would free it under that activation.
        if (this.runtime.entries.has(entry.ref.key)) return;
        entry.claimed = true;
        void this.runtime.release(entry);
        return;
      }
      entry.claimed = true;
    }
    if (entry.attempt !== attempt || entry.state !== ACTIVATING) {
      this.removeIfUnused(entry);
      return;
    }
    const { kind, id } = entry.ref.identity;
    if (failed) this.fail(ctx, entry, new GrainActivationError(kind, id, error));
    else if (!won && (this.runtime.forwarder === undefined || entry.hops >= maxForwardHops))
      this.fail(ctx, entry, this.ownedElsewhere(entry, String(owner)));
    else if (!won) this.goRemote(entry, String(owner));
    else this.spawn(ctx, entry, attempt);
  }

  private ownedElsewhere(entry: GrainEntry, node: string): GrainOwnedElsewhereError {
    return new GrainOwnedElsewhereError(entry.ref.identity.kind, entry.ref.identity.id, node);
  }

  /** Another node owns the grain: what waits goes there, and so do later messages until that node leaves. */
  private goRemote(entry: GrainEntry, owner: string): void {
    entry.state = REMOTE;
    entry.owner = owner;
    const hops = entry.hops + 1;
    entry.hops = 0;
    const pending = entry.pending;
    entry.pending = undefined;
    if (pending !== undefined)
      for (let i = 0; i < pending.length; i += 2) this.runtime.forward(entry, pending[i], pending[i + 1] as PID | undefined, hops);
    // The sweep drops the cached owner once unused, so the table does not grow with every grain ever called.
    this.runtime.watchIdle(entry.kind.idleMs ?? 60_000);
  }

  private relinquish(m: Relinquish): void {
    const stopping: Promise<void>[] = [];
    const stopped: string[] = [];
    const leaving = new SystemNotStartedError("deliver to a grain: this node is leaving the cluster");
    for (const entry of [...this.runtime.entries.values()]) {
      if (m.keys !== undefined && !m.keys.has(entry.ref.key)) continue;
      const activation = entry.activation;
      // The registry names another owner now (or this node leaves, and survivors purge its entries): nothing to release.
      entry.claimed = false;
      entry.activation = undefined;
      if (activation !== undefined) {
        stopped.push(entry.ref.key);
        stopping.push(this.runtime.system.stopActor(activation.cell).catch(() => undefined));
      }
      const owner = m.owners?.get(entry.ref.key);
      if (owner !== undefined && this.runtime.forwarder !== undefined) {
        this.goRemote(entry, owner);
        continue;
      }
      entry.state = INACTIVE;
      entry.hops = 0;
      this.failPending(entry, leaving);
      this.removeIfUnused(entry);
    }
    void Promise.all(stopping).then(() => m.done(stopped));
  }

  /**
   * The store fenced an activation: another one saved the grain's state first. New messages wait here from now on;
   * RetireActivation, behind everything already in its mailbox, makes it hand those back (ActivationRetired).
   */
  private fenced(activation: Activation): void {
    const entry = activation.entry;
    if (entry.activation !== activation || entry.state !== ACTIVE) return;
    entry.state = DEACTIVATING;
    activation.outstanding++;
    activation.cell.tell(retire);
  }

  /** A fenced activation handed back what reached it: those messages go first, to the next activation (with fresh state). */
  private retired(ctx: ReceiveContext, m: ActivationRetired): void {
    const entry = m.activation.entry;
    const held = m.held;
    if (entry.activation === m.activation) {
      if (held.length > 0) entry.pending = entry.pending === undefined ? held : held.concat(entry.pending);
      ctx.stop(m.activation.cell);
      return;
    }
    // Replaced meanwhile (relinquished): the messages take the normal way.
    for (let i = 0; i < held.length; i += 2) this.runtime.route(entry.ref, held[i], held[i + 1] as PID | undefined);
  }

  private ownerGone(node: string): void {
    for (const entry of this.runtime.entries.values()) {
      if (entry.state !== REMOTE || entry.owner !== node) continue;
      entry.state = INACTIVE;
      entry.owner = "";
      this.removeIfUnused(entry);
    }
  }

  private spawn(ctx: ReceiveContext, entry: GrainEntry, attempt: number): void {
    const activation = new GrainActivationActor(this.runtime, entry, attempt);
    this.spawning = activation;
    let cell: PID;
    try {
      try {
        cell = ctx.spawn(entry.ref.name, this.takeSpawning, activationOptions);
      } catch (error) {
        // An earlier activation still stopping keeps the name; this one must not wait for it.
        if (!isTsaktError(error, "ActorAlreadyExists")) throw error;
        cell = ctx.spawn(`${entry.ref.name}$${attempt}`, this.takeSpawning, activationOptions);
      }
    } catch (error) {
      this.spawning = undefined;
      this.fail(ctx, entry, new GrainActivationError(entry.ref.identity.kind, entry.ref.identity.id, error));
      return;
    }
    this.spawning = undefined;
    activation.cell = cell;
    entry.activation = activation;
  }

  private activationDone(ctx: ReceiveContext, activation: Activation, failed: boolean, error: unknown): void {
    const entry = activation.entry;
    // An activation abandoned after its timeout was stopped then; its late news changes nothing.
    if (entry.activation !== activation || entry.state !== ACTIVATING) return;
    if (failed) {
      this.fail(ctx, entry, new GrainActivationError(entry.ref.identity.kind, entry.ref.identity.id, error));
      return;
    }
    entry.state = ACTIVE;
    entry.hops = 0;
    const pending = entry.pending;
    entry.pending = undefined;
    if (pending !== undefined) {
      const cell = activation.cell;
      activation.outstanding += pending.length / 2;
      for (let i = 0; i < pending.length; i += 2) cell.tell(pending[i], pending[i + 1] as PID | undefined);
    }
    if (entry.kind.idleMs !== undefined) this.runtime.watchIdle(entry.kind.idleMs);
  }

  private timedOut(ctx: ReceiveContext, entry: GrainEntry, attempt: number): void {
    if (entry.attempt !== attempt || entry.state !== ACTIVATING) return;
    const { kind, id } = entry.ref.identity;
    this.fail(ctx, entry, new GrainActivationTimeoutError(kind, id, entry.kind.activationTimeoutMs));
  }

  /** The attempt failed: its actor is stopped, its callers get `error`, and the next message tries again. */
  private fail(ctx: ReceiveContext, entry: GrainEntry, error: unknown): void {
    entry.state = INACTIVE;
    entry.hops = 0;
    const activation = entry.activation;
    entry.activation = undefined;
    if (activation !== undefined) ctx.stop(activation.cell);
    this.runtime.system.logger.warn({ grain: entry.ref.key, err: error }, "grain activation failed");
    this.failPending(entry, error);
    this.removeIfUnused(entry);
  }

  private failPending(entry: GrainEntry, error: unknown): void {
    const pending = entry.pending;
    if (pending === undefined) return;
    entry.pending = undefined;
    for (let i = 0; i < pending.length; i += 2) this.runtime.refuse(entry.ref, pending[i], pending[i + 1] as PID | undefined, error);
  }

  private terminated(ctx: ReceiveContext, cell: PID): void {
    // The actor's name leads to its identity's entry (no table of activations by actor: one entry fewer per grain).
    const key = keyOfActivationName(cell.name);
    const entry = key === undefined ? undefined : this.runtime.entries.get(key);
    const activation = entry?.activation;
    // A failed or abandoned activation: its entry has moved on already (or is gone).
    if (entry === undefined || activation === undefined || activation.cell !== cell) return;
    entry.activation = undefined;
    if (entry.state === ACTIVATING) {
      const { kind, id } = entry.ref.identity;
      // A failed onActivate stops its actor right after telling ActivationOutcome, and Terminated is processed first.
      const failure = activation.failure;
      const cause = failure !== undefined ? failure.error : new Error("its actor was stopped before onActivate finished");
      this.fail(ctx, entry, new GrainActivationError(kind, id, cause));
      return;
    }
    // Deactivated (or stopped from outside): messages that came meanwhile start the next activation.
    entry.state = INACTIVE;
    if (entry.pending !== undefined) this.activate(ctx, entry);
    else this.removeIfUnused(entry);
  }

  private removeIfUnused(entry: GrainEntry): void {
    if (entry.state !== INACTIVE || entry.queued > 0 || entry.pending !== undefined) return;
    entry.state = REMOVED;
    this.runtime.forget(entry);
  }

  /**
   * Deactivates grains idle for their kind's idleMs: no message handled, none waiting and none running. Idle time
   * is summed per sweep, so a grain deactivates between idleMs and idleMs plus one sweep interval after its last use.
   */
  private sweep(ctx: ReceiveContext): void {
    const tick = this.runtime.sweepTickMs;
    let watching = 0;
    for (const entry of this.runtime.entries.values()) {
      const idleMs = entry.kind.idleMs;
      if (entry.state === REMOTE) {
        if (entry.forwarded || entry.queued > 0) {
          entry.forwarded = false;
          watching++;
        } else {
          entry.state = INACTIVE;
          this.removeIfUnused(entry);
        }
        continue;
      }
      if (entry.state !== ACTIVE || idleMs === undefined) continue;
      const activation = entry.activation as Activation;
      watching++;
      if (activation.touched) {
        activation.touched = false;
        activation.idleFor = 0;
        continue;
      }
      if (activation.outstanding > 0 || activation.inFlight > 0 || entry.queued > 0) continue;
      activation.idleFor += tick;
      if (activation.idleFor >= idleMs) {
        watching--;
        entry.state = DEACTIVATING;
        ctx.stop(activation.cell);
      }
    }
    this.runtime.swept(watching);
  }
}
