import { type DescMessage, isMessage, type MessageShape } from "@bufbuild/protobuf";
import { type ActorSystem, type AskOptions, InvalidOptionError, type Logger, type PID } from "@tsakt/actor";
import { hostOf } from "@tsakt/actor/internal";
import type { GrainAsker } from "./activation-messages.js";
import type { GrainReceiveContext, GrainTimers } from "./grain.js";
import type { GrainRef } from "./grain-ref.js";
import type { GrainState } from "./grain-state.js";
import type { GrainIdentity } from "./identity.js";

/** What every context of one activation shares. */
export interface ActivationScope {
  readonly self: GrainRef;
  readonly system: ActorSystem;
  readonly timers: GrainTimers;
  /** The activation's persistent state; undefined for a kind without one. */
  readonly persistent: GrainState | undefined;
}

/**
 * The context a grain's hooks get. A non-reentrant activation reuses one for every message (they never overlap);
 * a reentrant one makes one per message, since a message's ctx must stay its own across awaits.
 */
export class GrainCallContext implements GrainReceiveContext {
  message: unknown = undefined;
  sender: PID | undefined = undefined;
  /** The asker to reject when onReceive throws; undefined for a tell. */
  asker: GrainAsker | undefined = undefined;

  constructor(private readonly scope: ActivationScope) {}

  get identity(): GrainIdentity {
    return this.scope.self.identity;
  }

  get self(): GrainRef {
    return this.scope.self;
  }

  get system(): ActorSystem {
    return this.scope.system;
  }

  get logger(): Logger {
    return this.scope.system.logger;
  }

  get timers(): GrainTimers {
    return this.scope.timers;
  }

  get state(): unknown {
    return this.stateOf().value;
  }

  set state(value: unknown) {
    this.stateOf().value = value;
  }

  writeState(): Promise<void> {
    return this.stateCall((state) => state.write());
  }

  clearState(): Promise<void> {
    return this.stateCall((state) => state.clear());
  }

  readState(): Promise<void> {
    return this.stateCall((state) => state.read());
  }

  is<D extends DescMessage>(schema: D): this is GrainReceiveContext & { readonly message: MessageShape<D> } {
    return isMessage(this.message, schema);
  }

  respond(message: unknown): void {
    const sender = this.sender;
    if (sender === undefined) hostOf(this.scope.system).deadLetter(message, this.scope.self, "(no sender)", "respond without a sender");
    else sender.tell(message, this.scope.self);
  }

  tell(to: PID, message: unknown): boolean {
    return to.tell(message, this.scope.self);
  }

  ask<R = unknown>(to: PID, message: unknown, options?: AskOptions): Promise<R> {
    return to.ask<R>(message, options);
  }

  private stateOf(): GrainState {
    const state = this.scope.persistent;
    if (state === undefined)
      throw new InvalidOptionError(
        `kinds.${this.scope.self.identity.kind}.state`,
        "is not set, so this grain has no persistent state; add state: { schema } to its kind",
      );
    return state;
  }

  private stateCall(call: (state: GrainState) => Promise<void>): Promise<void> {
    try {
      return call(this.stateOf());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Clears the per-message fields (before onDeactivate, so it sees no stale message). */
  clear(): void {
    this.message = undefined;
    this.sender = undefined;
    this.asker = undefined;
  }
}
