import {
  type ActorSystem,
  type AskOptions,
  InvalidMessageError,
  InvalidOptionError,
  type PID,
  type Plugin,
  SystemNotStartedError,
} from "@tsakt/actor";
import { hostOf, pluginOf } from "@tsakt/actor/internal";
import { PublishCommand, SubscribersQuery, SubscriptionCommand, TopicsQuery } from "./commands.js";
import type { PubSubFanOut } from "./fan-out.js";
import type { SubscribeAck, UnsubscribeAck } from "./gen/tsakt/pubsub/v1/pubsub_pb.js";
import { MediatorActor } from "./mediator.js";
import { instrumentPubSub, PubSubCounts } from "./metrics.js";
import { TopicRegistry } from "./registry.js";
import { validateTopic } from "./topic.js";

/** Options of pubsub() and of clusterPubSub(). */
export interface PubSubOptions {
  /** Name of the mediator actor under /system; with a cluster, every node must use the same. Default: "pubsub". */
  name?: string;
  /** How long subscribe, unsubscribe, topics and subscribers wait for the mediator. Default: the system's askTimeoutMs (5000). */
  askTimeoutMs?: number;
}

/** Name of the mediator that pubsub() starts. */
export const defaultMediatorName = "pubsub";

const knownOptions = new Set(["name", "askTimeoutMs"]);

/** The pub/sub plugin: `ActorSystem.start({ plugins: [pubsub()] })`; pubsubOf(system) returns it once started. */
export function pubsub(options: PubSubOptions = {}): PubSub {
  validateOptions(options, knownOptions, "pubsub");
  return new PubSub(options, undefined);
}

/** The PubSub of `system`; throws PluginNotInstalledError when it was started without pubsub() or clusterPubSub(). */
export function pubsubOf(system: ActorSystem): PubSub {
  return pluginOf<PubSub>(system, "pubsub", "pubsubOf(system)");
}

/** Makes the fan-out to other nodes once the system runs (clusterPubSub provides one). */
export type FanOutFactory = (system: ActorSystem, mediatorName: string) => PubSubFanOut & { attach(pubsub: PubSub): Promise<void> };

/**
 * Publish/subscribe by topic through a mediator actor: subscribers receive every message published on their topics.
 * The plugin made by pubsub() (this node) or clusterPubSub() (every node of the cluster).
 */
export class PubSub implements Plugin {
  /** "pubsub", the plugin's name. */
  readonly name: string = "pubsub";
  /** The package named in PluginNotInstalledError. */
  readonly packageName: string = "@tsakt/pubsub";
  private readonly askOptions: AskOptions | undefined;
  private mediatorPid: PID | undefined = undefined;
  private readonly mediatorName: string;

  /** @internal Use pubsub() or clusterPubSub(). */
  constructor(
    options: PubSubOptions,
    private readonly makeFanOut: FanOutFactory | undefined,
  ) {
    this.mediatorName = options.name ?? defaultMediatorName;
    this.askOptions = options.askTimeoutMs === undefined ? undefined : { timeoutMs: options.askTimeoutMs };
  }

  /** The mediator actor; actors may send it Subscribe/Unsubscribe themselves and get the acks back. */
  get mediator(): PID {
    const pid = this.mediatorPid;
    if (pid === undefined) throw new SystemNotStartedError("use pub/sub before the system started it");
    return pid;
  }

  /** Starts the mediator under /system (the Plugin hook). */
  async start(system: ActorSystem): Promise<void> {
    const registry = new TopicRegistry();
    const host = hostOf(system);
    const fanOut = this.makeFanOut?.(system, this.mediatorName);
    const counts = new PubSubCounts();
    if (host.meter !== undefined)
      instrumentPubSub(host.meter, { system: system.name, counts, registry, fanOutCounts: () => fanOut?.counts?.() });
    this.mediatorPid = await host.spawnSystemActor(this.mediatorName, () => new MediatorActor(host, registry, fanOut, counts));
    await fanOut?.attach(this);
  }

  /** Nothing to do: the mediator stops with the system (the Plugin hook). */
  stop(): void {}

  /** As stop(). */
  async [Symbol.asyncDispose](): Promise<void> {}

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

/** Checks pub/sub options against `known`; InvalidOptionError names the field. */
export function validateOptions(options: unknown, known: ReadonlySet<string>, what: string): void {
  if (typeof options !== "object" || options === null) throw new InvalidOptionError("options", "must be an object");
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o))
    if (!known.has(key)) throw new InvalidOptionError(key, `is not a ${what} option (known: ${[...known].join(", ")})`);
  if (o.name !== undefined && (typeof o.name !== "string" || o.name.length === 0))
    throw new InvalidOptionError("name", "must be a non-empty actor name");
  const t = o.askTimeoutMs;
  if (t !== undefined && !(typeof t === "number" && Number.isFinite(t) && t > 0))
    throw new InvalidOptionError("askTimeoutMs", `must be a positive number of milliseconds, got ${String(t)}`);
}
