import type { Registry } from "@bufbuild/protobuf";
import { create } from "@bufbuild/protobuf";
import type { Actor, ActorFactory, Context, ReceiveContext } from "../actor.js";
import { ActorCell } from "../cell.js";
import { InvalidOptionError } from "../errors.js";
import { BroadcastSchema, GetRouteesSchema, RouteesSchema } from "../gen/tsakt/actor/v1/router_pb.js";
import { PostStartSchema, type Terminated, TerminatedSchema } from "../gen/tsakt/actor/v1/system_pb.js";
import type { PID } from "../pid.js";
import { HashRing } from "./hash-ring.js";
import { fanOutBroadcast, routeeByKey, validateSharedRouterOptions } from "./routing.js";

/** How a group router spreads messages over its named routees. */
export type GroupRoutingStrategy = "round-robin" | "random" | "broadcast" | "consistent-hash";

/** Options of a group router made by `groupRouter(system, options)`. */
export interface GroupRouterOptions {
  /** How messages are spread over the routees. */
  strategy: GroupRoutingStrategy;
  /** Names (or addresses) of existing actors, local, remote or clustered; looked up when first used and again after their actor stops or moves. */
  routees: readonly string[];
  /** consistent-hash only, required: the key of a message; messages with the same key go to the same routee. */
  hashKey?: (message: unknown) => string;
  /** consistent-hash only: points per routee on the hash ring. Default: 100. */
  virtualNodes?: number;
  /** Unpacks Broadcast payloads that arrived over the network (local ones need none). Default: none. */
  registry?: Registry;
}

/** What a group router needs of its system: name lookup (local, remote or clustered, as system.actorOf). */
export interface GroupRouterHost {
  actorOf(name: string): Promise<PID>;
}

const strategies: ReadonlySet<string> = new Set(["round-robin", "random", "broadcast", "consistent-hash"]);
const known: ReadonlySet<string> = new Set(["strategy", "routees", "hashKey", "virtualNodes", "registry"]);

/** Throws InvalidOptionError naming the field when `options` cannot make a group router. */
function validate(options: unknown): asserts options is GroupRouterOptions {
  if (typeof options !== "object" || options === null) throw new InvalidOptionError("options", "must be an object { strategy, routees }");
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o))
    if (!known.has(key)) throw new InvalidOptionError(key, `is not a group router option (known: ${[...known].join(", ")})`);
  if (!strategies.has(o.strategy as string))
    throw new InvalidOptionError("strategy", `must be one of ${[...strategies].join(", ")}, got ${JSON.stringify(o.strategy)}`);
  const routees = o.routees;
  if (!Array.isArray(routees) || routees.length === 0 || !routees.every((r) => typeof r === "string" && r.length > 0))
    throw new InvalidOptionError("routees", "must be a non-empty array of actor names or addresses");
  if (new Set(routees).size !== routees.length) throw new InvalidOptionError("routees", "must not name an actor twice");
  validateSharedRouterOptions(o, o.strategy as string);
}

/**
 * Makes a group router: an actor that routes every message by `strategy` to existing actors named in `routees`
 * (Akka's group router), keeping the original sender. Each name is looked up through `system.actorOf` when first
 * used; messages for it wait, in order, until the lookup answers. A routee that stops or moves (death watch) is looked
 * up again on its next message; a name that cannot be found sends its waiting messages to dead letters. It answers
 * GetRoutees with the addresses found so far and fans a Broadcast out to every routee.
 * Throws InvalidOptionError naming the field when the options are wrong.
 */
export function groupRouter(system: GroupRouterHost, options: GroupRouterOptions): ActorFactory {
  validate(options);
  const own: GroupRouterOptions = { ...options, routees: [...options.routees] };
  return () => new GroupRouter(system, own);
}

/** A lookup's answer, sent by the router to itself so the routee's state changes on its own turn. */
class Found {
  constructor(
    readonly name: string,
    readonly pid: PID | undefined,
    readonly error: unknown,
  ) {}
}

/** One named routee: its PID once found, and the messages waiting for the lookup. */
interface Routee {
  readonly name: string;
  pid: PID | undefined;
  looking: boolean;
  waiting: Array<{ message: unknown; sender: PID | undefined }>;
}

class GroupRouter implements Actor {
  private readonly routees: Routee[];
  private readonly byName = new Map<string, Routee>();
  private next = 0;
  private readonly ring: HashRing<Routee> | undefined;

  constructor(
    private readonly system: GroupRouterHost,
    private readonly options: GroupRouterOptions,
  ) {
    this.routees = options.routees.map((name) => ({ name, pid: undefined, looking: false, waiting: [] }));
    for (const r of this.routees) this.byName.set(r.name, r);
    if (options.strategy === "consistent-hash") {
      this.ring = new HashRing(options.virtualNodes ?? 100);
      this.ring.rebuild(this.routees, (r) => r.name);
    }
  }

  receive(ctx: ReceiveContext): void {
    const message = ctx.message;
    if (message instanceof Found) return this.found(ctx, message);
    if (ctx.is(PostStartSchema)) return;
    if (ctx.is(TerminatedSchema)) return this.terminated(message as Terminated);
    if (ctx.is(GetRouteesSchema)) {
      const addresses = this.routees.flatMap((r) => (r.pid === undefined ? [] : [r.pid.address]));
      ctx.respond(create(RouteesSchema, { addresses }));
      return;
    }
    if (ctx.is(BroadcastSchema)) {
      fanOutBroadcast(ctx, this.options.registry, (payload) => {
        for (const r of this.routees) this.send(ctx, r, payload, ctx.sender);
      });
      return;
    }
    switch (this.options.strategy) {
      case "round-robin": {
        const i = this.next % this.routees.length;
        this.next = i + 1;
        this.send(ctx, this.routees[i] as Routee, message, ctx.sender);
        return;
      }
      case "random":
        this.send(ctx, this.routees[Math.floor(Math.random() * this.routees.length)] as Routee, message, ctx.sender);
        return;
      case "broadcast":
        for (const r of this.routees) this.send(ctx, r, message, ctx.sender);
        return;
      case "consistent-hash":
        this.routeByHash(ctx);
        return;
    }
  }

  private routeByHash(ctx: ReceiveContext): void {
    const routee = routeeByKey(ctx, this.options.hashKey as (message: unknown) => string, this.ring);
    if (routee !== undefined) this.send(ctx, routee, ctx.message, ctx.sender);
  }

  /** Sends to the routee's PID, or queues the message behind its lookup (starting one when none runs). */
  private send(ctx: Context, routee: Routee, message: unknown, sender: PID | undefined): void {
    if (routee.pid !== undefined && routee.waiting.length === 0) {
      routee.pid.tell(message, sender);
      return;
    }
    routee.waiting.push({ message, sender });
    if (routee.looking) return;
    routee.looking = true;
    const self = ctx.self;
    this.system.actorOf(routee.name).then(
      (pid) => self.tell(new Found(routee.name, pid, undefined)),
      (error: unknown) => self.tell(new Found(routee.name, undefined, error)),
    );
  }

  private found(ctx: Context, answer: Found): void {
    const routee = this.byName.get(answer.name);
    if (routee === undefined) return;
    routee.looking = false;
    const waiting = routee.waiting;
    routee.waiting = [];
    if (answer.pid === undefined) {
      const reason = `group router ${ctx.self.address} found no actor named "${answer.name}": ${String((answer.error as Error)?.message ?? answer.error)}`;
      const self = ctx.self;
      for (const w of waiting) if (self instanceof ActorCell) self.runtime.deadLetter(w.message, w.sender, answer.name, reason);
      return;
    }
    routee.pid = answer.pid;
    ctx.watch(answer.pid);
    for (const w of waiting) answer.pid.tell(w.message, w.sender);
  }

  /** A routee stopped or moved: its next message looks the name up again. */
  private terminated(t: Terminated): void {
    for (const r of this.routees) if (r.pid?.address === t.address) r.pid = undefined;
  }
}
