import { create } from "@bufbuild/protobuf";
import { EmptySchema, type Int64Value, Int64ValueSchema } from "@bufbuild/protobuf/wkt";
import type { Grain, GrainContext, GrainKindDefinition, GrainReceiveContext } from "@tsakt/grains";

/** Activations on this node since start, and those alive now: the demo's report reads them. */
export const activations = { total: 0, live: 0 };

/**
 * A bank account grain whose balance is its persistent state (an Int64Value): loaded from the store before
 * onActivate, wherever the grain activates, and written before a deposit is acknowledged. Messages cross nodes, so
 * they are protobuf well-known types: Int64Value deposits its amount and answers the new balance; Empty asks for it.
 */
export class Account implements Grain<Int64Value> {
  onActivate(): void {
    activations.total++;
    activations.live++;
  }

  async onReceive(ctx: GrainReceiveContext<Int64Value>): Promise<void> {
    if (ctx.is(EmptySchema)) {
      ctx.respond(create(Int64ValueSchema, { value: ctx.state.value }));
    } else if (ctx.is(Int64ValueSchema)) {
      const amount = ctx.message.value;
      ctx.state.value += amount;
      try {
        await ctx.writeState();
      } catch (error) {
        // Not acknowledged: take it out again (the caller gets the error and may retry).
        ctx.state.value -= amount;
        throw error;
      }
      ctx.respond(create(Int64ValueSchema, { value: ctx.state.value }));
    }
  }

  onDeactivate(_ctx: GrainContext<Int64Value>): void {
    activations.live--;
  }
}

/** The account kind: its grains and their state, an Int64Value balance, in the plugin's state store. */
export const accountKind: GrainKindDefinition<Int64Value> = {
  factory: () => new Account(),
  state: { schema: Int64ValueSchema },
};
