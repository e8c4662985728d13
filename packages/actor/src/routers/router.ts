import { create } from "@bufbuild/protobuf";
import type { Actor, ActorFactory, Context, ReceiveContext } from "../actor.js";
import { ActorCell } from "../cell.js";
import {
  type AdjustPoolSize,
  AdjustPoolSizeSchema,
  BroadcastSchema,
  GetRouteesSchema,
  RouteesSchema,
} from "../gen/tsakt/actor/v1/router_pb.js";
import { PoisonPillSchema, PostStartSchema, type Terminated, TerminatedSchema } from "../gen/tsakt/actor/v1/system_pb.js";
import type { PID } from "../pid.js";
import type { SpawnOptions } from "../spawn-options.js";
import { FirstReply, type OrphanReply } from "./first-reply.js";
import { HashRing } from "./hash-ring.js";
import { maxPoolSize, type RouterOptions, validateRouterOptions } from "./router-options.js";
import { fanOutBroadcast, routeeByKey } from "./routing.js";

/** Package of the control messages; other messages skip the control switch with one prefix test. */
const controlPrefix = "tsakt.actor.v1.";
const poisonPill = Object.freeze(create(PoisonPillSchema));

/**
 * Makes a pool router: an actor that spawns `poolSize` routees from `options.routee` in preStart, supervises them
 * with `routeeFailure`, and routes every message to them by `strategy`, keeping the original sender.
 * It answers GetRoutees with Routees, resizes on AdjustPoolSize and fans a Broadcast out to every routee.
 * Throws InvalidOptionError naming the field when the options are wrong.
 */
export function router(options: RouterOptions): ActorFactory {
  validateRouterOptions(options);
  // Copied so that changing the caller's object later cannot bypass validation.
  const own: RouterOptions = { ...options };
  const routeeOptions: SpawnOptions = {
    ...own.routeeOptions,
    supervisor: { ...own.routeeOptions?.supervisor, directive: own.routeeFailure ?? "restart" },
  };
  return () => new PoolRouter(own, routeeOptions);
}

/** The router actor behind `router()`; its routees are its children, watched so a stopped one leaves the pool. */
class PoolRouter implements Actor {
  /** Live routees in routing order; mutated only on membership changes, so routing reads it without copying. */
  private readonly routees: PID[] = [];
  private next = 0;
  private spawned = 0;
  private readonly ring: HashRing<PID> | undefined;
  private orphan: OrphanReply = () => {};

  constructor(
    private readonly options: RouterOptions,
    private readonly routeeOptions: SpawnOptions,
  ) {
    this.ring = options.strategy === "consistent-hash" ? new HashRing(options.virtualNodes ?? 100) : undefined;
  }

  preStart(ctx: Context): void {
    this.orphan = orphanReply(ctx.self);
    this.resize(ctx, this.options.poolSize);
  }

  receive(ctx: ReceiveContext): void {
    const message = ctx.message;
    const typeName = typeof message === "object" && message !== null ? (message as { $typeName?: unknown }).$typeName : undefined;
    if (typeof typeName === "string" && typeName.startsWith(controlPrefix) && this.control(ctx, typeName)) return;
    const routees = this.routees;
    const n = routees.length;
    if (n === 0) {
      ctx.unhandled();
      return;
    }
    switch (this.options.strategy) {
      case "round-robin": {
        let i = this.next;
        if (i >= n) i = 0;
        this.next = i + 1;
        ctx.forward(routees[i] as PID);
        return;
      }
      case "random":
        ctx.forward(routees[Math.floor(Math.random() * n)] as PID);
        return;
      case "broadcast":
        for (let i = 0; i < n; i++) ctx.forward(routees[i] as PID);
        return;
      case "consistent-hash":
        this.routeByHash(ctx);
        return;
      case "scatter-gather-first":
        this.race(ctx).scatter();
        return;
      case "tail-chopping": {
        let i = this.next;
        if (i >= n) i = 0;
        this.next = i + 1;
        this.race(ctx, routees.slice()).chop(i, this.options.intervalMs as number);
        return;
      }
    }
  }

  /** Handles a router control message; false when `typeName` is none (a tsakt message to route like any other). */
  private control(ctx: ReceiveContext, typeName: string): boolean {
    switch (typeName) {
      case PostStartSchema.typeName:
        return true;
      case TerminatedSchema.typeName:
        this.removeTerminated((ctx.message as Terminated).address);
        return true;
      case GetRouteesSchema.typeName:
        ctx.respond(this.routeesMessage());
        return true;
      case AdjustPoolSizeSchema.typeName: {
        const { change } = ctx.message as AdjustPoolSize;
        if (change.case === "delta") this.resize(ctx, Math.max(0, this.routees.length + change.value));
        else if (change.case === "size") this.resize(ctx, change.value);
        if (ctx.sender !== undefined) ctx.respond(this.routeesMessage());
        return true;
      }
      case BroadcastSchema.typeName: {
        const routees = this.routees;
        fanOutBroadcast(ctx, this.options.registry, (payload) => {
          for (let i = 0; i < routees.length; i++) (routees[i] as PID).tell(payload, ctx.sender);
        });
        return true;
      }
      default:
        return false;
    }
  }

  private routeByHash(ctx: ReceiveContext): void {
    const routee = routeeByKey(ctx, this.options.hashKey as (message: unknown) => string, this.ring);
    if (routee !== undefined) ctx.forward(routee);
  }

  private race(ctx: ReceiveContext, routees: readonly PID[] = this.routees): FirstReply {
    return new FirstReply(ctx.self, routees, ctx.message, ctx.sender, this.options.withinMs as number, this.orphan);
  }

  /** Spawns or stops routees until there are `size`; the newest go first, so the hash ring keeps its older members. */
  private resize(ctx: Context, requested: number): void {
    const routees = this.routees;
    const size = Math.min(requested, maxPoolSize);
    if (size < requested) ctx.logger.warn({ router: ctx.self.address, requested }, `pool size capped at ${maxPoolSize}`);
    if (size === routees.length) return;
    while (routees.length < size) {
      const routee = ctx.spawn(`routee-${++this.spawned}`, this.options.routee, this.routeeOptions);
      ctx.watch(routee);
      routees.push(routee);
    }
    while (routees.length > size) {
      const routee = routees.pop() as PID;
      ctx.unwatch(routee);
      // A PoisonPill lets the routee finish the messages already routed to it.
      routee.tell(poisonPill);
    }
    this.membershipChanged();
  }

  private removeTerminated(address: string): void {
    const routees = this.routees;
    for (let i = 0; i < routees.length; i++) {
      if ((routees[i] as PID).address === address) {
        routees.splice(i, 1);
        if (this.next > i) this.next--;
        this.membershipChanged();
        return;
      }
    }
  }

  private membershipChanged(): void {
    this.ring?.rebuild(this.routees, nameOf);
  }

  private routeesMessage() {
    return create(RouteesSchema, { addresses: this.routees.map((r) => r.address) });
  }
}

function nameOf(pid: PID): string {
  return pid.name;
}

/** A scatter-gather reply to a message without a sender is a dead letter, as Akka's deadLetters would get it. */
function orphanReply(self: PID) {
  return (reply: unknown, routee: PID): void => {
    if (self instanceof ActorCell)
      self.runtime.deadLetter(reply, routee, "(no sender)", `reply through router ${self.address} without a sender`);
  };
}
