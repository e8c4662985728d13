import { type ActorSystem, type AskOptions, InvalidMessageError, type PID, SystemNotStartedError } from "@tsakt/actor";
import type { PluginHost } from "@tsakt/actor/internal";
import { GrainAsk } from "./activation-messages.js";
import { ACTIVE, type HandleActivation, type HandleEntry, REMOTE } from "./entry-state.js";
import type { GrainIdentity } from "./identity.js";

/** What a handle needs from the grains runtime of its system (GrainRuntime implements it). */
export interface GrainRefHost {
  readonly system: ActorSystem;
  /** The system's plugin host, for asks. */
  readonly host: PluginHost;
  /** "/system/grains", the parent path of every activation. */
  readonly managerPath: string;
  /** True once the grains stopped. */
  readonly stopped: boolean;
  /** Sends `message` through the manager (the grain is not active, or earlier messages are still with the manager). */
  route(ref: GrainRef, message: unknown, sender: PID | undefined): boolean;
  /** Sends `message` to the node that owns `entry`'s identity (state REMOTE); `hops` counts this forward. */
  forward(entry: HandleEntry, message: unknown, sender: PID | undefined, hops: number): boolean;
  /** Asks the grain of `entry` on the node that owns it (state REMOTE); `timeoutMs` defaults to the system's. */
  askRemote(entry: HandleEntry, message: unknown, timeoutMs: number | undefined): Promise<unknown>;
}

/**
 * A handle on a grain, from grainOf: tell and ask it like a PID (it also works as a sender, a subscriber or a
 * scheduler target). The grain activates on the first message; the handle stays valid across activations.
 */
export class GrainRef implements PID {
  /** Path of the grain's activations under this system, "/system/grains/<kind>@<escaped id>". */
  readonly path: string;
  /** @internal The identity's entry when last seen; read again once it is no longer active. */
  entry: HandleEntry | undefined = undefined;
  private prefix = "";
  private fullAddress = "";

  /** @internal Use grainOf. */
  constructor(
    private readonly runtime: GrainRefHost,
    /** The grain's kind and id. */
    readonly identity: GrainIdentity,
    /** "kind/id". */
    readonly key: string,
    /** The activations' actor name, "<kind>@<escaped id>". */
    readonly name: string,
  ) {
    this.path = `${runtime.managerPath}/${name}`;
  }

  /** Address of the grain on this node, "tsakt://system/system/grains/<name>"; the same for every handle of the identity. */
  get address(): string {
    const prefix = this.runtime.system.addressPrefix;
    if (prefix !== this.prefix) {
      this.prefix = prefix;
      this.fullAddress = prefix + this.path;
    }
    return this.fullAddress;
  }

  toString(): string {
    return `grain ${this.key}`;
  }

  /** Sends `message` to the grain, activating it if needed; false when grains are stopped. */
  tell(message: unknown, sender?: PID): boolean {
    if (message === undefined || message === null) throw new InvalidMessageError(`cannot send ${String(message)} to grain ${this.key}`);
    return this.deliver(message, sender);
  }

  /** Sends `message` and resolves with the grain's reply; rejects with the grain's error, an activation error or AskTimeoutError. */
  ask<R = unknown>(message: unknown, options?: AskOptions): Promise<R> {
    if (message === undefined || message === null)
      return Promise.reject(new InvalidMessageError(`cannot ask grain ${this.key} with ${String(message)}`));
    const entry = this.entry;
    // Owned by another node, nothing earlier still with the manager: the remote ask is the only one (an abort signal
    // takes the general way, which watches it).
    if (entry !== undefined && entry.state === REMOTE && entry.queued === 0 && options?.signal === undefined)
      return this.runtime.askRemote(entry, message, options?.timeoutMs) as Promise<R>;
    const replier = this.runtime.host.prepareAsk(this.address, options);
    if (replier instanceof Error) return Promise.reject(replier);
    this.deliver(new GrainAsk(message, replier), replier);
    return replier.promise as Promise<R>;
  }

  /** Like tell (a grain's mailbox is unbounded, so there is nothing to wait for); rejects when grains are stopped. */
  send(message: unknown, sender?: PID): Promise<void> {
    try {
      if (this.tell(message, sender)) return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
    return Promise.reject(new SystemNotStartedError(`send to grain ${this.key}`));
  }

  /** True while the system's grains run: a grain exists virtually, active or not. */
  isAlive(): boolean {
    return !this.runtime.stopped;
  }

  /** @internal Puts `message` straight into the active activation's mailbox when order allows; undefined when the manager must take it. */
  direct(message: unknown, sender: PID | undefined): boolean | undefined {
    const entry = this.entry;
    // The direct path keeps order only when no earlier message of this identity is still with the manager.
    if (entry === undefined || entry.state !== ACTIVE || entry.queued !== 0) return undefined;
    const activation = entry.activation as HandleActivation;
    const cell = activation.cell;
    if (!cell.isAlive()) return undefined;
    activation.outstanding++;
    return cell.tell(message, sender);
  }

  private deliver(message: unknown, sender: PID | undefined): boolean {
    const sent = this.direct(message, sender);
    if (sent !== undefined) return sent;
    const entry = this.entry;
    // A grain owned by another node: straight to its node, under the same ordering rule.
    if (entry !== undefined && entry.state === REMOTE && entry.queued === 0) return this.runtime.forward(entry, message, sender, 1);
    return this.runtime.route(this, message, sender);
  }
}
