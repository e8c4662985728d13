import { create } from "@bufbuild/protobuf";
import { type Clock, type PID, TsaktError } from "@tsakt/actor";
import { TellOnlyPID } from "@tsakt/actor/internal";
import type { IncomingAsk } from "@tsakt/remote/internal";
import type { GrainAsker } from "./activation-messages.js";
import { messageOf } from "./errors.js";
import { type GrainCallFailed, GrainCallFailedSchema } from "./gen/tsakt/grains/v1/grains_pb.js";

/** The GrainCallFailed that carries `error` back to the asking node. */
export function failureOf(error: unknown): GrainCallFailed {
  const code = error instanceof TsaktError ? error.code : error instanceof Error ? error.name : "Error";
  return create(GrainCallFailedSchema, { code, message: messageOf(error) });
}

/**
 * An ask forwarded from another node, as the grain sees its asker: the answer goes straight to the remote asker
 * (`replyTo`, the remoting reply reference), a failure goes as GrainCallFailed. It replaces a local temporary ask
 * here: the asking node keeps the deadline, so nothing waits on a timer on this side.
 */
export class ForwardedAsk extends TellOnlyPID implements GrainAsker {
  private settled = false;
  /** On the clock; unused when the reply reference knows the asker's time left (an IncomingAsk). */
  private readonly deadline: number;

  constructor(
    private readonly replyTo: PID,
    /** The asker's time left when the call came, in ms (the time left from then on when `incoming` is given and has none). */
    private readonly timeoutMs: number,
    private readonly clock: Clock,
    /** The reply reference as remoting's incoming ask, which knows the asker's deadline. */
    private readonly incoming: IncomingAsk | undefined = undefined,
  ) {
    super();
    this.deadline = incoming === undefined ? clock.now() + timeoutMs : 0;
  }

  get name(): string {
    return this.replyTo.name;
  }

  get path(): string {
    return this.replyTo.path;
  }

  get address(): string {
    return this.replyTo.address;
  }

  tell(message: unknown): boolean {
    if (this.settled) return false;
    this.settled = true;
    return this.replyTo.tell(message);
  }

  reject(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.replyTo.tell(failureOf(error));
  }

  remainingMs(): number {
    if (this.incoming !== undefined) return this.incoming.remainingMs(this.timeoutMs);
    return Math.max(0, Math.ceil(this.deadline - this.clock.now()));
  }

  isAlive(): boolean {
    return !this.settled;
  }
}
