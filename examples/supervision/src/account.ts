import type { Actor, ReceiveContext } from "@tsakt/actor";

/** Raised for a withdrawal larger than the balance: the account keeps its state (resume). */
export class InsufficientFunds extends Error {}

/** Raised when the account's ledger is found corrupt: the account starts over (restart). */
export class CorruptLedger extends Error {}

/** The messages an account understands. */
export type AccountMessage =
  | { type: "deposit"; amount: number }
  | { type: "withdraw"; amount: number }
  | { type: "corrupt" }
  | { type: "balance" };

/** A bank account holding a balance; failures are left to its supervisor. */
export class Account implements Actor {
  private balance = 0;

  receive(ctx: ReceiveContext): void {
    const m = ctx.message as AccountMessage;
    switch (m.type) {
      case "deposit":
        this.balance += m.amount;
        return;
      case "withdraw":
        if (m.amount > this.balance) throw new InsufficientFunds(`cannot withdraw ${m.amount} from ${this.balance}`);
        this.balance -= m.amount;
        return;
      case "corrupt":
        throw new CorruptLedger("ledger checksum mismatch");
      case "balance":
        ctx.respond(this.balance);
        return;
      default:
        ctx.unhandled();
    }
  }
}
