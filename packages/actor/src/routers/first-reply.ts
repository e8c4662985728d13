import { create } from "@bufbuild/protobuf";
import { AskReplier } from "../ask.js";
import { AskTimeoutError } from "../errors.js";
import { PipeFailureSchema } from "../gen/tsakt/actor/v1/system_pb.js";
import type { PID } from "../pid.js";

/** Where a winning reply goes when the original message had no sender. */
export type OrphanReply = (reply: unknown, routee: PID) => void;

/**
 * One message of a scatter-gather-first or tail-chopping router: routees are asked (all at once, or one more every
 * `intervalMs`) and the first reply within `withinMs` goes to the original sender; later replies are dropped.
 * When no routee replies in time the sender gets AskTimeoutError (an asker) or a PipeFailure (an actor).
 */
export class FirstReply {
  private settled = false;
  private asked = 0;
  private failed = 0;
  private allAsked = false;
  private timer: NodeJS.Timeout | undefined = undefined;
  private readonly deadline: number;

  constructor(
    private readonly router: PID,
    private readonly routees: readonly PID[],
    private readonly message: unknown,
    private readonly sender: PID | undefined,
    private readonly withinMs: number,
    private readonly orphan: OrphanReply,
  ) {
    this.deadline = Date.now() + withinMs;
  }

  /** Asks every routee now. */
  scatter(): void {
    const routees = this.routees;
    for (let i = 0; i < routees.length; i++) this.ask(routees[i] as PID, this.withinMs);
    this.allAsked = true;
    this.finishIfLost();
  }

  /** Asks the routee at `start`, then the following ones (wrapping) every `intervalMs`, until a reply or the deadline. */
  chop(start: number, intervalMs: number): void {
    const next = (): void => {
      this.timer = undefined;
      if (this.settled) return;
      const remaining = this.deadline - Date.now();
      const n = this.routees.length;
      if (remaining <= 0 || this.asked >= n || !this.router.isAlive()) {
        this.allAsked = true;
        this.finishIfLost();
        return;
      }
      this.ask(this.routees[(start + this.asked) % n] as PID, remaining);
      if (this.asked < n && remaining > intervalMs) this.timer = setTimeout(next, intervalMs);
      else this.allAsked = true;
      this.finishIfLost();
    };
    next();
  }

  private ask(routee: PID, timeoutMs: number): void {
    this.asked++;
    routee.ask(this.message, { timeoutMs }).then(
      (reply) => this.won(reply, routee),
      () => {
        this.failed++;
        this.finishIfLost();
      },
    );
  }

  private won(reply: unknown, routee: PID): void {
    if (this.settled) return;
    this.settled = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.sender === undefined) this.orphan(reply, routee);
    else this.sender.tell(reply, routee);
  }

  private finishIfLost(): void {
    if (this.settled || !this.allAsked || this.failed < this.asked) return;
    this.settled = true;
    const error = new AskTimeoutError(this.router.address, this.withinMs);
    const sender = this.sender;
    if (sender instanceof AskReplier) sender.reject(error);
    else sender?.tell(create(PipeFailureSchema, { name: error.name, code: error.code, message: error.message }), this.router);
  }
}
