import { type ActorSystem, type AskOptions, InvalidMessageError, InvalidOptionError, type PID } from "@tsakt/actor";
import { PublishCommand, SubscribersQuery, SubscriptionCommand, TopicsQuery } from "./commands.js";
import type { PubSubFanOut } from "./fan-out.js";
import type { SubscribeAck, UnsubscribeAck } from "./gen/tsakt/pubsub/v1/pubsub_pb.js";
import { MediatorActor } from "./mediator.js";
import { TopicRegistry } from "./registry.js";
import { validateTopic } from "./topic.js";

/** Options of PubSub.start. */
export interface PubSubOptions {
  /** Name of the mediator actor under /system. Default: "pubsub". */
  name?: string;
  /** How long subscribe, unsubscribe, topics and subscribers wait for the mediator. Default: the system's askTimeoutMs (5000). */
  askTimeoutMs?: number;
  /** Carries publications to other nodes; the cluster provides one. Default: none (this node only). */
  fanOut?: PubSubFanOut;
}

/** Name of the mediator that pubsubOf starts. */
export const defaultMediatorName = "pubsub";

const knownOptions = new Set(["name", "askTimeoutMs", "fanOut"]);
const instances = new WeakMap<ActorSystem, Promise<PubSub>>();

/** The system's PubSub with the default mediator ("/system/pubsub"), started on first use. */
export function pubsubOf(system: ActorSystem): Promise<PubSub> {
  let instance = instances.get(system);
  if (instance === undefined) {
    instance = PubSub.start(system);
    instances.set(system, instance);
    // A failed start (system stopped) must not be remembered: a later call may succeed.
    instance.catch(() => instances.delete(system));
  }
  return instance;
}

/** Publish/subscribe by topic through a mediator actor: subscribers receive every message published on their topics. */
export class PubSub {
  private readonly askOptions: AskOptions | undefined;

  private constructor(
    /** The mediator actor; actors may send it Subscribe/Unsubscribe themselves and get the acks back. */
    readonly mediator: PID,
    askTimeoutMs: number | undefined,
  ) {
    this.askOptions = askTimeoutMs === undefined ? undefined : { timeoutMs: askTimeoutMs };
  }

  /** Starts a mediator under /system; with the default name it also becomes what pubsubOf returns. */
  static async start(system: ActorSystem, options: PubSubOptions = {}): Promise<PubSub> {
    validateOptions(options);
    const registry = new TopicRegistry();
    const fanOut = options.fanOut;
    const name = options.name ?? defaultMediatorName;
    const mediator = await system.spawnSystemActor(name, () => new MediatorActor(system, registry, fanOut));
    const pubsub = new PubSub(mediator, options.askTimeoutMs);
    if (name === defaultMediatorName && !instances.has(system)) instances.set(system, Promise.resolve(pubsub));
    return pubsub;
  }

  /** Subscribes `pid` to `topic`; resolves with the ack once publications reach it. Subscribing twice is harmless. */
  async subscribe(topic: string, pid: PID): Promise<SubscribeAck> {
    validateTopic(topic);
    validatePid(pid);
    return this.mediator.ask<SubscribeAck>(new SubscriptionCommand(topic, pid, true), this.askOptions);
  }

  /** Unsubscribes `pid` from `topic`; resolves with the ack once no later publication reaches it. */
  async unsubscribe(topic: string, pid: PID): Promise<UnsubscribeAck> {
    validateTopic(topic);
    validatePid(pid);
    return this.mediator.ask<UnsubscribeAck>(new SubscriptionCommand(topic, pid, false), this.askOptions);
  }

  /**
   * Sends `message` to every subscriber of `topic`, with `sender` as their ctx.sender. Messages of one publisher
   * arrive in the order published. With no subscriber anywhere it becomes a dead letter. False when the mediator is stopped.
   */
  publish(topic: string, message: unknown, sender?: PID): boolean {
    validateTopic(topic);
    if (message === undefined || message === null)
      throw new InvalidMessageError(`cannot publish ${String(message)} on topic ${JSON.stringify(topic)}`);
    return this.mediator.tell(new PublishCommand(topic, message, false), sender);
  }

  /** Delivers a publication that came from another node to this node's subscribers only (for fan-out implementations). */
  deliverLocal(topic: string, message: unknown, sender?: PID): boolean {
    validateTopic(topic);
    if (message === undefined || message === null)
      throw new InvalidMessageError(`cannot deliver ${String(message)} on topic ${JSON.stringify(topic)}`);
    return this.mediator.tell(new PublishCommand(topic, message, true), sender);
  }

  /** Sorted names of the topics that have subscribers on this node. */
  topics(): Promise<string[]> {
    return this.mediator.ask<string[]>(new TopicsQuery(), this.askOptions);
  }

  /** This node's subscribers of `topic`. */
  async subscribers(topic: string): Promise<PID[]> {
    validateTopic(topic);
    return this.mediator.ask<PID[]>(new SubscribersQuery(topic), this.askOptions);
  }
}

function validatePid(pid: unknown): asserts pid is PID {
  const p = pid as Partial<PID> | null | undefined;
  if (typeof p !== "object" || p === null || typeof p.tell !== "function" || typeof p.address !== "string")
    throw new InvalidOptionError("pid", "must be an actor's PID (from spawn, actorOf or ctx.self)");
}

function validateOptions(options: unknown): asserts options is PubSubOptions {
  if (typeof options !== "object" || options === null) throw new InvalidOptionError("options", "must be an object");
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o))
    if (!knownOptions.has(key)) throw new InvalidOptionError(key, `is not a PubSub option (known: ${[...knownOptions].join(", ")})`);
  const t = o.askTimeoutMs;
  if (t !== undefined && !(typeof t === "number" && Number.isFinite(t) && t > 0))
    throw new InvalidOptionError("askTimeoutMs", `must be a positive number of milliseconds, got ${String(t)}`);
  if (o.fanOut !== undefined) {
    const f = o.fanOut as Record<string, unknown> | null;
    for (const method of ["interestChanged", "publish"])
      if (typeof f?.[method] !== "function") throw new InvalidOptionError(`fanOut.${method}`, "must be a function");
  }
}
