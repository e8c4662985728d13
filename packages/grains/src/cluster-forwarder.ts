import { create, isMessage, type Message, type Registry } from "@bufbuild/protobuf";
import { anyPack, anyUnpack } from "@bufbuild/protobuf/wkt";
import { AskTimeoutError, InvalidMessageError, isTsaktError, type PID, SystemNotStartedError } from "@tsakt/actor";
import { hostOf } from "@tsakt/actor/internal";
import type { Cluster } from "@tsakt/cluster";
import { RemoteFailureError, remoteOf } from "@tsakt/remote";
import { remoteTypesOf } from "@tsakt/remote/internal";
import { GrainAsk } from "./activation-messages.js";
import { messageOf } from "./errors.js";
import { ForwardedAsk, failureOf } from "./forwarded-ask.js";
import type { GrainForwarder, GrainForwardTarget } from "./forwarder.js";
import {
  type GrainCall,
  GrainCallFailedSchema,
  GrainCallSchema,
  GrainLoadQuerySchema,
  GrainLoadReportSchema,
} from "./gen/tsakt/grains/v1/grains_pb.js";
import type { GrainIdentity } from "./identity.js";
import { managerName } from "./runtime.js";

/** Longest wait of a least-load query to one member, in ms. */
const loadQueryTimeoutMs = 1000;

/**
 * Forwards messages of grains owned by other nodes to the grain manager (/system/grains) of the owner over
 * remoting, as GrainCall messages whose payload is the user's message packed in a google.protobuf.Any: every
 * grain message that crosses nodes must be a protobuf message known to remoting (`remoting({ types })`), on every node. Asks come back as the
 * grain's reply (a remoting reply, so the reply type must be in remoting's `types`) or as GrainCallFailed.
 */
export class ClusterGrainForwarder implements GrainForwarder {
  readonly name = "cluster";
  private target: GrainForwardTarget | undefined = undefined;
  private unsubscribe: (() => void) | undefined = undefined;
  private registry: Registry | undefined = undefined;
  private readonly managers = new Map<string, PID>();

  constructor(private readonly cluster: Cluster) {}

  /** The grains this forwarder serves, once started. */
  get grains(): GrainForwardTarget | undefined {
    return this.target;
  }

  start(target: GrainForwardTarget): void {
    this.target = target;
    this.registry = remoteTypesOf(target.system, "clusterGrains()");
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
  }

  tell(node: string, identity: GrainIdentity, message: unknown, sender: PID | undefined, hops: number): void {
    const target = this.started();
    let call: GrainCall;
    try {
      call = this.call(identity, message, false, hops, 0);
    } catch (error) {
      hostOf(target.system).deadLetter(message, sender, `${node}/system/${managerName}`, messageOf(error));
      return;
    }
    this.managerAt(node).tell(call, sender);
  }

  ask(node: string, identity: GrainIdentity, message: unknown, hops: number, timeoutMs: number): Promise<unknown> {
    let call: GrainCall;
    try {
      this.started();
      call = this.call(identity, message, true, hops, timeoutMs);
    } catch (error) {
      return Promise.reject(error);
    }
    // One settlement hop: the reply, or GrainCallFailed as the grain's error, or the timeout naming the grain.
    return this.managerAt(node)
      .ask(call, { timeoutMs })
      .then(
        (reply) => {
          if (isMessage(reply, GrainCallFailedSchema))
            throw new RemoteFailureError(reply.code, reply.message, `${node}/system/${managerName}`);
          return reply;
        },
        (error: unknown) => {
          if (isTsaktError(error, "AskTimeout")) throw new AskTimeoutError(`grain ${identity.kind}/${identity.id} on ${node}`, timeoutMs);
          throw error;
        },
      );
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
    const call = message as GrainCall;
    const identity = { kind: call.kind, id: call.id };
    let payload: Message | undefined;
    try {
      payload = call.message === undefined ? undefined : anyUnpack(call.message, this.types());
      if (payload === undefined)
        throw new InvalidMessageError(
          `grain ${call.kind}/${call.id} got a message of unregistered type ${call.message?.typeUrl ?? "(none)"}; add it to remoting({ types }) on every node`,
        );
      if (!call.ask || sender === undefined) {
        target.deliverForwarded(identity, payload, sender, call.hops);
        return;
      }
      // The grain answers the asking node directly; that node keeps the deadline.
      const asker = new ForwardedAsk(sender, Math.max(1, call.timeoutMs), target.system.clock);
      target.deliverForwarded(identity, new GrainAsk(payload, asker), asker, call.hops);
    } catch (error) {
      if (call.ask) sender?.tell(failureOf(error));
      else
        target.system.logger.warn({ grain: `${call.kind}/${call.id}`, err: error }, "dropped a grain message forwarded from another node");
    }
  }

  private call(identity: GrainIdentity, message: unknown, ask: boolean, hops: number, timeoutMs: number): GrainCall {
    const schema = isProtobufMessage(message) ? this.types().getMessage(message.$typeName) : undefined;
    if (schema === undefined)
      throw new InvalidMessageError(
        `grain ${identity.kind}/${identity.id} lives on another node, so its messages must be protobuf messages registered in remoting({ types }) (got ${describe(message)})`,
      );
    return create(GrainCallSchema, {
      kind: identity.kind,
      id: identity.id,
      message: anyPack(schema, message as Message),
      ask,
      hops,
      timeoutMs,
    });
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

function isProtobufMessage(value: unknown): value is Message {
  return typeof value === "object" && value !== null && typeof (value as { $typeName?: unknown }).$typeName === "string";
}

function describe(value: unknown): string {
  return isProtobufMessage(value) ? `unregistered ${value.$typeName}` : typeof value;
}
