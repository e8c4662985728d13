import { create } from "@bufbuild/protobuf";
import { UInt32ValueSchema } from "@bufbuild/protobuf/wkt";
import type { Actor, Context, PID, ReceiveContext } from "@tsakt/actor";

/** Plays `rounds` of ping-pong with `pong`, one ball in the air at a time, then hands the round-trip times (ms) to `done`. */
export class Pinger implements Actor {
  private readonly roundTrips: number[] = [];
  private sentAt = 0;

  constructor(
    private readonly pong: PID,
    private readonly rounds: number,
    private readonly done: (roundTripsMs: number[]) => void,
  ) {}

  preStart(ctx: Context): void {
    this.serve(ctx, 1);
  }

  receive(ctx: ReceiveContext): void {
    if (!ctx.is(UInt32ValueSchema)) return;
    this.roundTrips.push(performance.now() - this.sentAt);
    if (ctx.message.value < this.rounds) this.serve(ctx, ctx.message.value + 1);
    else this.done(this.roundTrips);
  }

  private serve(ctx: Context, ball: number): void {
    this.sentAt = performance.now();
    // ctx.tell sends with this actor as the sender, so the pong node can answer across the connection.
    ctx.tell(this.pong, create(UInt32ValueSchema, { value: ball }));
  }
}
