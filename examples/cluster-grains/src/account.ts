import { create } from "@bufbuild/protobuf";
import { EmptySchema, Int64ValueSchema } from "@bufbuild/protobuf/wkt";
import type { Grain, GrainContext, GrainReceiveContext } from "@tsakt/grains";
import type { Ledger } from "./ledger.js";

/** Activations on this node since start, and those alive now: the demo's report reads them. */
export const activations = { total: 0, live: 0 };

/**
 * A bank account grain. Messages cross nodes, so they are protobuf well-known types:
 * Int64Value deposits its amount and answers the new balance; Empty asks for the balance.
 */
export class Account implements Grain {
  private balance = 0n;

  constructor(private readonly ledger: Ledger) {}

  onActivate(ctx: GrainContext): void {
    this.balance = this.ledger.balance(ctx.identity.id);
    activations.total++;
    activations.live++;
  }

  onReceive(ctx: GrainReceiveContext): void {
    if (ctx.is(Int64ValueSchema)) {
      this.balance += ctx.message.value;
      this.ledger.commit(ctx.identity.id, this.balance);
      ctx.respond(create(Int64ValueSchema, { value: this.balance }));
    } else if (ctx.is(EmptySchema)) {
      ctx.respond(create(Int64ValueSchema, { value: this.balance }));
    }
  }

  onDeactivate(): void {
    activations.live--;
  }
}
