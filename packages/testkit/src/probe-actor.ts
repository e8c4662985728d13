import { isMessage } from "@bufbuild/protobuf";
import { type Actor, type Context, DeadActorError, type PID, PostStartSchema, type ReceiveContext } from "@tsakt/actor";
import type { Inbox } from "./inbox.js";

/** A request from the probe's handle to its actor: watch or unwatch `target` (death watch works only from inside). */
export class WatchCommand {
  constructor(
    readonly target: PID,
    readonly watch: boolean,
  ) {}
}

/** The actor behind a probe: records every message with its sender, except its own PostStart and commands. */
export class ProbeActor implements Actor {
  /** Addresses watched or already reported terminated: watching them again would deliver a second Terminated. */
  private readonly watched = new Set<string>();

  constructor(private readonly inbox: Inbox) {}

  receive(ctx: ReceiveContext): void {
    const message = ctx.message;
    if (message instanceof WatchCommand) {
      this.command(ctx, message);
      return;
    }
    // The runtime's greeting is not something the code under test sent.
    if (isMessage(message, PostStartSchema)) return;
    this.inbox.push({ message, sender: ctx.sender });
  }

  private command(ctx: ReceiveContext, { target, watch }: WatchCommand): void {
    if (!watch) {
      ctx.unwatch(target);
      this.watched.delete(target.address);
    } else if (!this.watched.has(target.address)) {
      this.watched.add(target.address);
      ctx.watch(target);
    }
  }

  postStop(ctx: Context): void {
    this.inbox.close(new DeadActorError(ctx.self.address));
  }
}
