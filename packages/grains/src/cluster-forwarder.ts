import { create, isMessage, type Message, type Registry } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { AskTimeoutError, InvalidMessageError, isTsaktError, type PID, SystemNotStartedError } from "@tsakt/actor";
import { hostOf } from "@tsakt/actor/internal";
import type { Cluster } from "@tsakt/cluster";
import { RemoteFailureError, remoteOf } from "@tsakt/remote";
import { remoteTypesOf, routeInbound } from "@tsakt/remote/internal";
import { messageOf } from "./errors.js";
import { failureOf } from "./forwarded-ask.js";
import type { GrainForwarder, GrainForwardTarget } from "./forwarder.js";
import {
  type GrainCall,
  GrainCallFailedSchema,
  GrainCallSchema,
  GrainLoadQuerySchema,
  GrainLoadReportSchema,
} from "./gen/tsakt/grains/v1/grains_pb.js";
import { activationName, type GrainIdentity } from "./identity.js";
import { callPrefix, InboundGrainCall, inboundCallOf } from "./inbound-call.js";
import { managerName } from "./runtime.js";

/** Longest wait of a least-load query to one member, in ms. */
const loadQueryTimeoutMs = 1000;

/**
 * Forwards messages of grains owned by other nodes to the owner over remoting: the user's message is the envelope's
 * payload, sent to the grain's call path there ("/system/grains/$call/<hops>/<kind>@<id>", see inbound-call.ts), so
 * every grain message that crosses nodes must be a protobuf message known to remoting (`remoting({ types })`), on
 * every node. Asks come back as the grain's reply (a remoting reply, so the reply type must be in remoting's `types`)
 * or as GrainCallFailed. The owner's grain manager still takes GrainCall messages (the user's message packed in a
 * google.protobuf.Any), which nodes of earlier versions send.
 */
export class ClusterGrainForwarder implements GrainForwarder {
  readonly name = "cluster";
  private target: GrainForwardTarget | undefined = undefined;
  private unsubscribe: (() => void) | undefined = undefined;
  private registry: Registry | undefined = undefined;
  private readonly managers = new Map<string, PID>();
  /** The call path of an identity's grain at its owner, for first-hop calls (by the handle's frozen identity). */
  private readonly callTargets = new WeakMap<GrainIdentity, CallTarget>();
  private unroute: (() => void) | undefined = undefined;

  constructor(private readonly cluster: Cluster) {}

  /** The grains this forwarder serves, once started. */
  get grains(): GrainForwardTarget | undefined {
    return this.target;
  }

  start(target: GrainForwardTarget): void {
    this.target = target;
    this.registry = remoteTypesOf(target.system, "clusterGrains()");
    this.unroute = routeInbound(target.system, callPrefix, (rest) => inboundCallOf(target, rest));
    // A node that died or left no longer owns anything: its grains activate again elsewhere on their next message.
    this.unsubscribe = this.cluster.subscribe((event) => {
      if (event.type === "member-left") {
        this.managers.delete(event.member.address);
        target.ownerGone(event.member.address);
      }
    });
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.unroute?.();
    this.unroute = undefined;
  }

  tell(node: string, identity: GrainIdentity, message: unknown, sender: PID | undefined, hops: number): void {
    const target = this.started();
    let to: CallTarget;
    try {
      this.check(identity, message);
      to = this.callTarget(node, identity, hops);
    } catch (error) {
      hostOf(target.system).deadLetter(message, sender, `${node}${callPrefix}${hops}`, messageOf(error));
      return;
    }
    to.pid.tell(message, sender);
  }

  ask(node: string, identity: GrainIdentity, message: unknown, hops: number, timeoutMs: number): Promise<unknown> {
    let to: CallTarget;
    try {
      this.started();
      this.check(identity, message);
      to = this.callTarget(node, identity, hops);
    } catch (error) {
      return Promise.reject(error);
    }
    // One settlement hop: the reply, or GrainCallFailed as the grain's error, or the timeout naming the grain.
    return to.pid.ask(message, to.optionsFor(timeoutMs)).then(to.onReply, to.onError);
  }

  /** The time on the system's clock. */
  now(): number {
    return this.started().system.clock.now();
  }

  /** Asks the grain manager at `node` how many grains it hosts. */
  async loadOf(node: string): Promise<number> {
    const target = this.started();
    if (node === target.node) return target.activeCount();
    const report = await this.managerAt(node).ask(create(GrainLoadQuerySchema), { timeoutMs: loadQueryTimeoutMs });
    return isMessage(report, GrainLoadReportSchema) ? report.activations : Number.POSITIVE_INFINITY;
  }

  accepts(message: unknown): boolean {
    return isMessage(message, GrainCallSchema) || isMessage(message, GrainLoadQuerySchema);
  }

  receive(message: unknown, sender: PID | undefined): void {
    const target = this.started();
    if (isMessage(message, GrainLoadQuerySchema)) {
      sender?.tell(create(GrainLoadReportSchema, { activations: target.activeCount() }));
      return;
    }
    // A GrainCall, from a node of an earlier version.
    const call = message as GrainCall;
    const identity = { kind: call.kind, id: call.id };
    let payload: Message | undefined;
    try {
      payload = call.message === undefined ? undefined : anyUnpack(call.message, this.types());
    } catch (error) {
      if (call.ask) sender?.tell(failureOf(error));
      return;
    }
    if (payload === undefined) {
      const error = new InvalidMessageError(
        `grain ${call.kind}/${call.id} got a message of unregistered type ${call.message?.typeUrl ?? "(none)"}; add it to remoting({ types }) on every node`,
      );
      if (call.ask) sender?.tell(failureOf(error));
      else
        target.system.logger.warn({ grain: `${call.kind}/${call.id}`, err: error }, "dropped a grain message forwarded from another node");
      return;
    }
    const replyTo = call.ask ? sender : undefined;
    new InboundGrainCall(target, identity, call.hops).call(payload, sender, replyTo, call.timeoutMs, undefined);
  }

  /** Throws InvalidMessageError unless `message` is a protobuf message of a type remoting knows. */
  private check(identity: GrainIdentity, message: unknown): void {
    if (!isProtobufMessage(message) || this.types().getMessage(message.$typeName) === undefined)
      throw new InvalidMessageError(
        `grain ${identity.kind}/${identity.id} lives on another node, so its messages must be protobuf messages registered in remoting({ types }) (got ${describe(message)})`,
      );
  }

  /** The grain's call path on `node` for a call on its `hops`-th forward (first-hop ones are kept per identity). */
  private callTarget(node: string, identity: GrainIdentity, hops: number): CallTarget {
    const cached = hops === 1 ? this.callTargets.get(identity) : undefined;
    if (cached !== undefined && cached.node === node && cached.pid.isAlive()) return cached;
    const pid = remoteOf(this.started().system).pidOf(`${node}${callPrefix}${hops}/${activationName(identity.kind, identity.id)}`);
    const target = new CallTarget(node, identity, pid);
    if (hops === 1) this.callTargets.set(identity, target);
    return target;
  }

  private managerAt(node: string): PID {
    let pid = this.managers.get(node);
    if (pid === undefined) {
      pid = remoteOf(this.started().system).pidOf(`${node}/system/${managerName}`);
      this.managers.set(node, pid);
    }
    return pid;
  }

  private types(): Registry {
    if (this.registry === undefined) throw new SystemNotStartedError("forward a grain message before the grains started");
    return this.registry;
  }

  private started(): GrainForwardTarget {
    if (this.target === undefined) throw new SystemNotStartedError("forward a grain message (pass the forwarder to grains({ forwarder }))");
    return this.target;
  }
}

/** A grain's call path on its owner, with the settlement of asks to it made once instead of per ask. */
class CallTarget {
  private options: { readonly timeoutMs: number } = { timeoutMs: 0 };

  constructor(
    readonly node: string,
    private readonly identity: GrainIdentity,
    readonly pid: PID,
  ) {}

  /** The ask options for `timeoutMs`, the same object while the timeout stays the same. */
  optionsFor(timeoutMs: number): { readonly timeoutMs: number } {
    if (this.options.timeoutMs !== timeoutMs) this.options = { timeoutMs };
    return this.options;
  }

  /** The grain's reply, or its GrainCallFailed as the grain's error. */
  readonly onReply = (reply: unknown): unknown => {
    if (isMessage(reply, GrainCallFailedSchema))
      throw new RemoteFailureError(reply.code, reply.message, `${this.node}/system/${managerName}`);
    return reply;
  };

  /** A timeout names the grain; other errors pass. */
  readonly onError = (error: unknown): never => {
    if (isTsaktError(error, "AskTimeout"))
      throw new AskTimeoutError(`grain ${this.identity.kind}/${this.identity.id} on ${this.node}`, (error as AskTimeoutError).timeoutMs);
    throw error;
  };
}

function isProtobufMessage(value: unknown): value is Message {
  return typeof value === "object" && value !== null && typeof (value as { $typeName?: unknown }).$typeName === "string";
}

function describe(value: unknown): string {
  return isProtobufMessage(value) ? `unregistered ${value.$typeName}` : typeof value;
}
