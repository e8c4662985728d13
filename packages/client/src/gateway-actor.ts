import { create, isMessage, type Message, type Registry } from "@bufbuild/protobuf";
import { type Any, anyUnpack } from "@bufbuild/protobuf/wkt";
import {
  type Actor,
  type ActorSystem,
  InvalidMessageError,
  type PID,
  PluginNotInstalledError,
  type ReceiveContext,
  TerminatedSchema,
  TsaktError,
} from "@tsakt/actor";
import type { Cluster, ClusterMember } from "@tsakt/cluster";
import type { Grains } from "@tsakt/grains";
import type { Remote } from "@tsakt/remote";
import {
  type ActorRequest,
  ActorRequestSchema,
  GatewayFailureSchema,
  GatewayHelloSchema,
  GatewayLoadQuerySchema,
  GatewayLoadSchema,
  type GatewayMember,
  GatewayMemberSchema,
  type GatewayMembers,
  GatewayMembersSchema,
  type GrainRequest,
  GrainRequestSchema,
} from "./gen/tsakt/client/v1/gateway_pb.js";
import { isRetryable } from "./retryable.js";

/** Most departed members a gateway reports, newest kept. */
const maxGone = 64;

/** What the gateway actor works with. */
export interface GatewayDeps {
  readonly system: ActorSystem;
  readonly cluster: Cluster;
  readonly remote: Remote;
  readonly registry: Registry;
  /** The grains plugin when the node has one. */
  grains(): Grains | undefined;
}

/**
 * The client gateway of one member (/system/client-gateway): answers GatewayHello with the membership and pushes
 * every change to the subscribed clients; calls grains and actors for clients and answers with the reply or a
 * GatewayFailure; reports its load. Calls run concurrently: the actor never waits for a grain.
 */
export class GatewayActor implements Actor {
  private readonly subscribers = new Map<string, PID>();
  private readonly gone: GatewayMember[] = [];
  private version = 0n;
  private inFlight = 0;
  private unsubscribe: (() => void) | undefined = undefined;

  constructor(private readonly deps: GatewayDeps) {}

  preStart(ctx: { self: PID }): void {
    const self = ctx.self;
    // Cluster listeners run inside the cluster: hand the change to the actor, which pushes in its own turn.
    this.unsubscribe = this.deps.cluster.subscribe((event) => {
      if (event.type === "member-left") self.tell(memberOf(event.member));
      else if (event.type === "member-joined") self.tell(membershipChanged);
    });
  }

  postStop(): void {
    this.unsubscribe?.();
  }

  receive(ctx: ReceiveContext): void {
    const m = ctx.message;
    if (isMessage(m, GrainRequestSchema)) this.grainCall(m, ctx.sender);
    else if (isMessage(m, ActorRequestSchema)) this.actorCall(m, ctx.sender);
    else if (isMessage(m, GatewayHelloSchema)) {
      const subscriber = m.subscriber === "" ? undefined : this.deps.remote.pidOf(m.subscriber);
      if (subscriber !== undefined && !this.subscribers.has(subscriber.address)) {
        this.subscribers.set(subscriber.address, subscriber);
        ctx.watch(subscriber);
      }
      ctx.respond(this.view());
    } else if (isMessage(m, GatewayMemberSchema)) {
      this.gone.push(m);
      if (this.gone.length > maxGone) this.gone.shift();
      this.push();
    } else if (m === membershipChanged) this.push();
    else if (isMessage(m, GatewayLoadQuerySchema)) {
      const system = this.deps.system;
      ctx.respond(create(GatewayLoadSchema, { inFlight: this.inFlight, mailboxDepth: system.queuedMessages(), actors: system.actorCount }));
    } else if (isMessage(m, TerminatedSchema)) this.subscribers.delete(m.address);
    else ctx.unhandled();
  }

  private view(): GatewayMembers {
    const cluster = this.deps.cluster;
    return create(GatewayMembersSchema, {
      from: cluster.self.name,
      members: cluster.members().map(memberOf),
      gone: [...this.gone],
      version: ++this.version,
    });
  }

  private push(): void {
    if (this.subscribers.size === 0) return;
    const view = this.view();
    for (const subscriber of this.subscribers.values()) subscriber.tell(view);
  }

  private grainCall(request: GrainRequest, sender: PID | undefined): void {
    let ref: { tell(message: unknown): boolean; ask(message: unknown, options: { timeoutMs: number }): Promise<unknown> };
    let payload: Message;
    try {
      const grains = this.deps.grains();
      if (grains === undefined) throw new PluginNotInstalledError("grains", "@tsakt/grains", "a client's grain call");
      payload = this.unpack(request.message, `grain ${request.kind}/${request.id}`);
      ref = grains.of(request.kind, request.id);
    } catch (error) {
      this.fail(request.ask, sender, error);
      return;
    }
    if (!request.ask) ref.tell(payload);
    else this.answer(ref.ask(payload, { timeoutMs: Math.max(1, request.timeoutMs) }), sender);
  }

  private actorCall(request: ActorRequest, sender: PID | undefined): void {
    let payload: Message;
    try {
      payload = this.unpack(request.message, `actor ${request.name}`);
    } catch (error) {
      this.fail(request.ask, sender, error);
      return;
    }
    const timeoutMs = Math.max(1, request.timeoutMs);
    const reply = this.deps.system.actorOf(request.name).then((pid) => {
      if (!request.ask) {
        pid.tell(payload);
        return undefined;
      }
      return pid.ask(payload, { timeoutMs });
    });
    if (request.ask) this.answer(reply, sender);
    else reply.catch((error: unknown) => this.deps.system.logger.debug({ err: error, actor: request.name }, "client gateway: tell failed"));
  }

  private answer(reply: Promise<unknown>, sender: PID | undefined): void {
    this.inFlight++;
    reply.then(
      (value) => {
        this.inFlight--;
        if (isProtobuf(value) && this.deps.registry.getMessage(value.$typeName) !== undefined) sender?.tell(value);
        else
          this.fail(
            true,
            sender,
            new InvalidMessageError(
              `the reply (${isProtobuf(value) ? value.$typeName : typeof value}) is not a protobuf message registered in remoting({ types }); a client can only receive such replies`,
            ),
          );
      },
      (error: unknown) => {
        this.inFlight--;
        this.fail(true, sender, error);
      },
    );
  }

  private fail(ask: boolean, sender: PID | undefined, error: unknown): void {
    if (!ask) {
      this.deps.system.logger.debug({ err: error }, "client gateway: dropped a tell it could not deliver");
      return;
    }
    const code = error instanceof TsaktError ? error.code : error instanceof Error ? error.name : "Error";
    sender?.tell(
      create(GatewayFailureSchema, { code, message: error instanceof Error ? error.message : String(error), retryable: retryable(error) }),
    );
  }

  private unpack(message: Any | undefined, target: string): Message {
    const payload = message === undefined ? undefined : anyUnpack(message, this.deps.registry);
    if (payload === undefined)
      throw new InvalidMessageError(
        `a client sent ${target} a message of unregistered type ${message?.typeUrl ?? "(none)"}; add it to remoting({ types }) on every node`,
      );
    return payload;
  }
}

/** True when another attempt may succeed: a retryable code, or an activation that failed for a retryable cause. */
function retryable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof TsaktError && depth < 4; e = e.cause, depth++) if (isRetryable(e.code)) return true;
  return false;
}

/** Tells the gateway actor that a member joined (no payload needed). */
const membershipChanged = Symbol("membership changed");

function memberOf(member: ClusterMember): GatewayMember {
  return create(GatewayMemberSchema, {
    name: member.name,
    address: member.address,
    uid: member.uid,
    status: member.status,
    roles: [...member.roles],
  });
}

function isProtobuf(value: unknown): value is Message {
  return typeof value === "object" && value !== null && typeof (value as { $typeName?: unknown }).$typeName === "string";
}
