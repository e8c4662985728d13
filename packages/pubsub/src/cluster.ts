import type { createRegistry } from "@bufbuild/protobuf";
import { type ActorSystem, InvalidOptionError } from "@tsakt/actor";
import { ClusterNotRunningError, clusterOf } from "@tsakt/cluster";
import { remoteOf } from "@tsakt/remote";
import { ClusterFanOut } from "./cluster-fan-out.js";
import { ClusterGatewayActor } from "./cluster-gateway.js";
import { file_tsakt_pubsub_v1_cluster } from "./gen/tsakt/pubsub/v1/cluster_pb.js";
import { defaultMediatorName, PubSub } from "./pubsub.js";

/** Options of clusterPubSub. */
export interface ClusterPubSubOptions {
  /** Name of the mediator under /system; every node must use the same. Default: "pubsub". */
  name?: string;
  /** Protobuf schemas, files or registries of the messages published across nodes. Default: none. */
  types?: Parameters<typeof createRegistry>;
  /** How long subscribe, unsubscribe, topics and subscribers wait for the mediator. Default: the system's askTimeoutMs (5000). */
  askTimeoutMs?: number;
  /** How often each node resends its topic interest to every member, repairing lost updates. Default: 5000. */
  interestSyncIntervalMs?: number;
  /** Sequence numbers remembered per publisher to drop duplicates. Default: 1024. */
  dedupWindow?: number;
}

/** Message files remoting must know on every node of a cluster using pub/sub: pass them in remoting({ types }). */
export const clusterPubSubTypes = [file_tsakt_pubsub_v1_cluster] as const;

const knownOptions = new Set(["name", "types", "askTimeoutMs", "interestSyncIntervalMs", "dedupWindow"]);

/** Pub/sub across the nodes of a cluster: the node's PubSub, plus what it knows of the other nodes. */
export class ClusterPubSub {
  private constructor(
    /** This node's PubSub; publications on it reach subscribers on every node. */
    readonly pubsub: PubSub,
    private readonly fanOut: ClusterFanOut,
  ) {}

  /**
   * Starts pub/sub on a node whose cluster (over remoting) is running: the mediator, whose publications also go to
   * the nodes with subscribers of the topic, and the gateway `/system/<name>-gateway` that receives theirs. With the
   * default name, pubsubOf(system) returns this PubSub afterwards, so call it before pubsubOf.
   */
  static async start(system: ActorSystem, options: ClusterPubSubOptions = {}): Promise<ClusterPubSub> {
    validateOptions(options);
    const cluster = clusterOf(system);
    if (cluster === undefined || !cluster.isRunning) throw new ClusterNotRunningError("start cluster pub/sub");
    const name = options.name ?? defaultMediatorName;
    const gatewayName = `${name}-gateway`;
    const fanOut = new ClusterFanOut({
      system,
      cluster,
      remote: remoteOf(system),
      gatewayName,
      types: options.types ?? [],
      dedupWindow: options.dedupWindow ?? 1024,
    });
    const pubsub = await PubSub.start(system, {
      name,
      fanOut,
      ...(options.askTimeoutMs === undefined ? {} : { askTimeoutMs: options.askTimeoutMs }),
    });
    fanOut.attach(pubsub);
    await system.spawnSystemActor(gatewayName, () => new ClusterGatewayActor(fanOut, options.interestSyncIntervalMs ?? 5000));
    return new ClusterPubSub(pubsub, fanOut);
  }

  /** This run's publisher id, "<member name>#<uid>": with a sequence number it is a publication's message id. */
  get publisherId(): string {
    return this.fanOut.publisherId;
  }

  /** Names of the other live members this node knows to have subscribers of `topic`; publications go to them. */
  nodesInterestedIn(topic: string): string[] {
    return this.fanOut.nodesInterestedIn(topic);
  }
}

/** Starts pub/sub across the cluster on this node (see ClusterPubSub.start); every node of the cluster calls it. */
export function clusterPubSub(system: ActorSystem, options?: ClusterPubSubOptions): Promise<ClusterPubSub> {
  return ClusterPubSub.start(system, options);
}

function validateOptions(options: unknown): asserts options is ClusterPubSubOptions {
  if (typeof options !== "object" || options === null) throw new InvalidOptionError("options", "must be an object");
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o))
    if (!knownOptions.has(key)) throw new InvalidOptionError(key, `is not a clusterPubSub option (known: ${[...knownOptions].join(", ")})`);
  if (o.types !== undefined && !Array.isArray(o.types))
    throw new InvalidOptionError("types", "must be an array of protobuf schemas, files or registries");
  const i = o.interestSyncIntervalMs;
  if (i !== undefined && !(typeof i === "number" && Number.isFinite(i) && i > 0))
    throw new InvalidOptionError("interestSyncIntervalMs", `must be a positive number of milliseconds, got ${String(i)}`);
  const d = o.dedupWindow;
  if (d !== undefined && !(Number.isInteger(d) && (d as number) > 0 && (d as number) <= 1_048_576))
    throw new InvalidOptionError("dedupWindow", `must be an integer from 1 to 1048576, got ${String(d)}`);
}

export { PublicationNotSerializableError } from "./errors.js";
export {
  file_tsakt_pubsub_v1_cluster,
  type Publication,
  PublicationSchema,
  type TopicInterest,
  TopicInterestSchema,
} from "./gen/tsakt/pubsub/v1/cluster_pb.js";
