import { isMessage } from "@bufbuild/protobuf";
import { type ActorSystem, DeadActorError, type PID, PostStartSchema, type ReceiveContext } from "@tsakt/actor";
import { hostOf, rejectSender } from "@tsakt/actor/internal";
import { remoteOf } from "@tsakt/remote";

/** What a relay forwards to: resolved again after the target stopped or an ask found it gone. */
export type RelayTarget = () => Promise<PID> | PID;

/** Counters of this node's relays (gateway routing). */
export interface RelayStats {
  /** Relays this node started: one per distinct target another datacenter called through it. */
  readonly relays: number;
  /** Messages (tells and asks) this node forwarded from other datacenters. */
  readonly forwarded: number;
}

/**
 * The gateway side of gateway routing: one relay system actor per target (`/system/multidc-relay-<n>`), started on
 * the first call from another datacenter and kept until the system stops. A relay forwards tells as they are (with
 * their sender) and turns an ask into its own ask of the target, whose reply or failure it sends back, so the reply
 * travels back over the caller's connection to this gateway.
 */
export class Relays {
  private readonly byKey = new Map<string, Promise<string>>();
  private count = 0;
  private forwardedCount = 0;

  constructor(
    private readonly system: ActorSystem,
    /** Deadline of a relayed ask (the caller's own deadline still applies on its side). */
    private readonly askTimeoutMs: number,
  ) {}

  /** This node's counters. */
  stats(): RelayStats {
    return { relays: this.count, forwarded: this.forwardedCount };
  }

  /** The full address of the relay for `key` (started with `target` on first use). */
  addressOf(key: string, target: RelayTarget): Promise<string> {
    let address = this.byKey.get(key);
    if (address === undefined) {
      const name = `multidc-relay-${++this.count}`;
      address = hostOf(this.system)
        .spawnSystemActor(name, () => this.relay(target))
        .then((pid) => `${remoteOf(this.system).address}${pid.path}`);
      address.catch(() => this.byKey.delete(key));
      this.byKey.set(key, address);
    }
    return address;
  }

  private relay(resolve: RelayTarget) {
    let target: PID | undefined;
    let waiting: Array<[unknown, PID | undefined]> | undefined;
    const deliver = (message: unknown, sender: PID | undefined): void => {
      const to = target as PID;
      // A remote ask's sender can be failed (rejectSender): answer it from here, so the reply returns the way it came.
      if (typeof (sender as { reject?: unknown } | undefined)?.reject === "function")
        to.ask(message, { timeoutMs: this.askTimeoutMs }).then(
          (reply) => sender?.tell(reply),
          (error: unknown) => {
            if (error instanceof DeadActorError || (error as { code?: string }).code === "ActorNotFound") target = undefined;
            rejectSender(sender, error);
          },
        );
      else if (!to.tell(message, sender)) target = undefined;
    };
    const resolveThenDeliver = (message: unknown, sender: PID | undefined): void => {
      waiting = [[message, sender]];
      Promise.resolve()
        .then(resolve)
        .then(
          (pid) => {
            target = pid;
            const queued = waiting ?? [];
            waiting = undefined;
            for (const [m, s] of queued) deliver(m, s);
          },
          (error: unknown) => {
            const queued = waiting ?? [];
            waiting = undefined;
            for (const [m, s] of queued) {
              rejectSender(s, error);
              hostOf(this.system).deadLetter(m, s, "(multidc relay)", `target not found: ${String(error)}`);
            }
          },
        );
    };
    return {
      receive: (ctx: ReceiveContext): void => {
        const message = ctx.message;
        if (isMessage(message, PostStartSchema)) return;
        this.forwardedCount++;
        if (waiting !== undefined) waiting.push([message, ctx.sender]);
        else if (target === undefined || !target.isAlive()) resolveThenDeliver(message, ctx.sender);
        else deliver(message, ctx.sender);
      },
    };
  }
}
