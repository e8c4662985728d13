import { DeadActorError, type PID } from "@tsakt/actor";
import { incomingAskOf } from "@tsakt/remote/internal";
import { GrainAsk } from "./activation-messages.js";
import { ForwardedAsk } from "./forwarded-ask.js";
import type { GrainForwardTarget } from "./forwarder.js";
import { type GrainIdentity, identityOfActivationName } from "./identity.js";
import { managerName } from "./runtime.js";

/**
 * Where a node sends a call for a grain that another node owns: "/system/grains/$call/<hops>/<activation name>" on
 * the owner. The user's message is the envelope's payload, encoded and decoded once, like a message to a plain actor;
 * remoting hands it to an InboundGrainCall (a route, not an actor), which puts it straight into the activation's
 * mailbox when the grain is active here, without a turn of the grain manager.
 */
export const callPrefix = `/system/${managerName}/$call/`;

/** The receiver of calls addressed to `rest` ("<hops>/<activation name>") under callPrefix; undefined for another path. */
export function inboundCallOf(target: GrainForwardTarget, rest: string): InboundGrainCall | undefined {
  const slash = rest.indexOf("/");
  const hops = Number(rest.slice(0, slash));
  if (slash <= 0 || !Number.isInteger(hops) || hops < 1) return undefined;
  const identity = identityOfActivationName(rest.slice(slash + 1));
  return identity === undefined ? undefined : new InboundGrainCall(target, identity, hops, rest);
}

/**
 * Delivers a grain's message that another node forwarded here. An ask (`replyTo` set) reaches the grain as a
 * GrainAsk whose asker answers `replyTo` directly (the asking node keeps the deadline); a failure to deliver it
 * answers the asker with GrainCallFailed.
 */
export function deliverCall(
  target: GrainForwardTarget,
  identity: GrainIdentity,
  message: unknown,
  sender: PID | undefined,
  hops: number,
  replyTo: PID | undefined,
  timeoutMs: number,
): void {
  if (replyTo === undefined) {
    try {
      target.deliverForwarded(identity, message, sender, hops);
    } catch (error) {
      target.system.logger.warn(
        { grain: `${identity.kind}/${identity.id}`, err: error },
        "dropped a grain message forwarded from another node",
      );
    }
    return;
  }
  const asker = new ForwardedAsk(replyTo, Math.max(1, timeoutMs), target.system.clock);
  try {
    target.deliverForwarded(identity, new GrainAsk(message, asker), asker, hops);
  } catch (error) {
    asker.reject(error);
  }
}

/** The receiver remoting hands a call for one grain (see callPrefix); it lives as long as a connection's receiver cache. */
export class InboundGrainCall implements PID {
  readonly name: string;

  constructor(
    private readonly target: GrainForwardTarget,
    readonly identity: GrainIdentity,
    private readonly hops: number,
    rest: string,
  ) {
    this.name = rest;
  }

  get path(): string {
    return callPrefix + this.name;
  }

  get address(): string {
    return this.target.node + this.path;
  }

  /** Delivers a call; always taken (a failure answers an ask itself, or logs a tell's). */
  tell(message: unknown, sender?: PID): boolean {
    const ask = incomingAskOf(sender);
    const target = this.target;
    if (ask === undefined) deliverCall(target, this.identity, message, sender, this.hops, undefined, 0);
    else deliverCall(target, this.identity, message, ask, this.hops, ask, ask.remainingMs(target.system.askTimeoutMs));
    return true;
  }

  ask<T>(): Promise<T> {
    return Promise.reject(new DeadActorError(this.address));
  }

  send(message: unknown, sender?: PID): Promise<void> {
    this.tell(message, sender);
    return Promise.resolve();
  }

  isAlive(): boolean {
    return true;
  }

  toString(): string {
    return this.address;
  }
}
