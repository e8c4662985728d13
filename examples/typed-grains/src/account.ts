import type { GrainContext, GrainReceiveContext } from "@tsakt/grains";
import type { AnnotateRequest, DepositRequest, WithdrawRequest } from "./gen/bank/v1/bank_pb.js";
import type { AccountGrainHandlers, AuditLog } from "./gen/bank/v1/bank_tsakt.js";

/** Grains active on this node, for the demo's report. */
export const activations = { live: 0 };

/**
 * A bank account grain, written against the generated AccountGrainHandlers: each rpc is a method that gets its
 * typed request and returns its reply, and tells the node's audit log what it did.
 */
export class Account implements AccountGrainHandlers {
  private cents = 0n;
  private readonly notes: string[] = [];

  constructor(
    private readonly id: string,
    private readonly node: string,
    private readonly audit: AuditLog,
  ) {}

  onActivate(_ctx: GrainContext): void {
    activations.live++;
  }

  onDeactivate(_ctx: GrainContext): void {
    activations.live--;
  }

  deposit(request: DepositRequest) {
    if (request.cents <= 0n) throw new Error(`deposit ${request.cents}: the amount must be positive`);
    this.cents += request.cents;
    this.audit.record({ account: this.id, operation: "deposit" });
    return this.balance();
  }

  withdraw(request: WithdrawRequest) {
    if (request.cents > this.cents) throw new Error(`insufficient funds: ${this.id} holds ${this.cents}, asked ${request.cents}`);
    this.cents -= request.cents;
    this.audit.record({ account: this.id, operation: "withdraw" });
    return this.balance();
  }

  getBalance() {
    return this.balance();
  }

  annotate(request: AnnotateRequest, ctx: GrainReceiveContext): void {
    this.notes.push(request.note);
    ctx.logger.debug({ account: this.id, note: request.note }, "annotated");
  }

  private balance() {
    return { account: this.id, cents: this.cents, node: this.node, notes: this.notes };
  }
}
