import type { PID } from "@tsakt/actor";
import { TellOnlyPID } from "@tsakt/actor/internal";
import { type IncomingAsk, incomingAskOf } from "@tsakt/remote/internal";
import { GrainAsk } from "./activation-messages.js";
import { ForwardedAsk } from "./forwarded-ask.js";
import type { GrainForwardTarget } from "./forwarder.js";
import type { GrainRef } from "./grain-ref.js";
import { activationName, type GrainIdentity, identityOfActivationName } from "./identity.js";
import { GrainRuntime, managerName } from "./runtime.js";

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
  return identity === undefined ? undefined : new InboundGrainCall(target, identity, hops);
}

/**
 * The receiver of calls for one grain that other nodes forwarded here with the same hop count: what remoting hands
 * calls to the grain's call path (see callPrefix; it lives as long as a connection's receiver cache), and what the
 * manager hands a GrainCall from a node of an earlier version.
 */
export class InboundGrainCall extends TellOnlyPID {
  /** The grain's handle, once looked up (the grains runtime's own target only). */
  private ref: GrainRef | undefined = undefined;
  private readonly runtime: GrainRuntime | undefined;

  constructor(
    private readonly target: GrainForwardTarget,
    readonly identity: GrainIdentity,
    private readonly hops: number,
  ) {
    super();
    this.runtime = target instanceof GrainRuntime ? target : undefined;
  }

  get name(): string {
    return activationName(this.identity.kind, this.identity.id);
  }

  get path(): string {
    return `${callPrefix}${this.hops}/${this.name}`;
  }

  get address(): string {
    return this.target.node + this.path;
  }

  /** Delivers a call from remoting; always taken (a failure answers an ask itself, or logs a tell's). */
  tell(message: unknown, sender?: PID): boolean {
    const ask = incomingAskOf(sender);
    if (ask === undefined) this.call(message, sender, undefined, 0, undefined);
    else this.call(message, ask, ask, this.target.system.askTimeoutMs, ask);
    return true;
  }

  /**
   * Delivers a grain's message. An ask (`replyTo` set) reaches the grain as a GrainAsk whose asker answers `replyTo`
   * directly (the asking node keeps the deadline: `timeoutMs`, or what `incoming` knows); a failure to deliver it
   * answers the asker with GrainCallFailed.
   */
  call(message: unknown, sender: PID | undefined, replyTo: PID | undefined, timeoutMs: number, incoming: IncomingAsk | undefined): void {
    if (replyTo === undefined) {
      try {
        this.deliver(message, sender);
      } catch (error) {
        const { kind, id } = this.identity;
        this.target.system.logger.warn({ grain: `${kind}/${id}`, err: error }, "dropped a grain message forwarded from another node");
      }
      return;
    }
    const asker = new ForwardedAsk(replyTo, Math.max(1, timeoutMs), this.target.system.clock, incoming);
    try {
      this.deliver(new GrainAsk(message, asker), asker);
    } catch (error) {
      asker.reject(error);
    }
  }

  isAlive(): boolean {
    return true;
  }

  private deliver(message: unknown, sender: PID | undefined): void {
    const runtime = this.runtime;
    if (runtime === undefined) {
      this.target.deliverForwarded(this.identity, message, sender, this.hops);
      return;
    }
    // The handle is looked up once: it stays valid across activations and entries of the identity.
    const ref = (this.ref ??= runtime.ref(this.identity.kind, this.identity.id));
    runtime.deliverForwardedTo(ref, message, sender, this.hops);
  }
}
