import { type ActorSystem, InvalidOptionError, PluginNotInstalledError, type ProtoTypes, SystemNotStartedError } from "@tsakt/actor";
import { hostOf, pluginOf } from "@tsakt/actor/internal";
import { clusterOf } from "@tsakt/cluster";
import { remoteOf } from "@tsakt/remote";
import { remoteTypesOf } from "@tsakt/remote/internal";
import { ClusterFanOut } from "./cluster-fan-out.js";
import { ClusterGatewayActor } from "./cluster-gateway.js";
import { file_tsakt_pubsub_v1_cluster } from "./gen/tsakt/pubsub/v1/cluster_pb.js";
import { type FanOutFactory, PubSub, type PubSubOptions, validateOptions } from "./pubsub.js";

/** Options of clusterPubSub: those of pubsub(), plus the cluster's. */
export interface ClusterPubSubOptions extends PubSubOptions {
  /** How often each node resends its topic interest to every member, repairing lost updates. Default: 5000. */
  interestSyncIntervalMs?: number;
  /** Sequence numbers remembered per publisher to drop duplicates. Default: 1024. */
  dedupWindow?: number;
}

const knownOptions = new Set(["name", "askTimeoutMs", "interestSyncIntervalMs", "dedupWindow"]);

/** The PubSub of a cluster node: publications reach subscribers on every node, exactly once each. */
export interface ClusterPubSub extends PubSub {
  /** This run's publisher id, "<member name>#<uid>": with a sequence number it is a publication's message id. */
  readonly publisherId: string;
  /** Names of the other live members this node knows to have subscribers of `topic`; publications go to them. */
  nodesInterestedIn(topic: string): string[];
}

class ClusterPubSubPlugin extends PubSub implements ClusterPubSub {
  /** @internal Use clusterPubSub(). */
  constructor(
    options: ClusterPubSubOptions,
    private readonly fanOut: { current: ClusterFanOut | undefined },
    makeFanOut: FanOutFactory,
  ) {
    super(options, makeFanOut);
  }

  /** Needs the cluster (and remoting, which carries publications). */
  readonly dependsOn: readonly string[] = ["remoting", "cluster"];
  /** The messages pub/sub sends between nodes, registered with remoting. */
  readonly types = clusterPubSubTypes;

  /** This run's publisher id, "<member name>#<uid>": with a sequence number it is a publication's message id. */
  get publisherId(): string {
    return this.started().publisherId;
  }

  /** Names of the other live members this node knows to have subscribers of `topic`; publications go to them. */
  nodesInterestedIn(topic: string): string[] {
    return this.started().nodesInterestedIn(topic);
  }

  private started(): ClusterFanOut {
    const fanOut = this.fanOut.current;
    if (fanOut === undefined) throw new SystemNotStartedError("use cluster pub/sub before the system started it");
    return fanOut;
  }
}

/** Message files pub/sub sends between nodes; the plugin declares them, so remoting knows them. */
export const clusterPubSubTypes: readonly ProtoTypes[] = Object.freeze([file_tsakt_pubsub_v1_cluster]);

/**
 * Pub/sub across the nodes of a cluster: `plugins: [remoting(), cluster({…}), clusterPubSub()]` on every node.
 * pubsubOf(system) returns it; publications reach the nodes with subscribers of the topic through the gateway
 * `/system/<name>-gateway`, exactly once per subscriber. Messages published across nodes must be protobuf types
 * known to remoting (`remoting({ types })`).
 */
export function clusterPubSub(options: ClusterPubSubOptions = {}): ClusterPubSub {
  validateOptions(options, knownOptions, "clusterPubSub");
  validateClusterOptions(options);
  const holder: { current: ClusterFanOut | undefined } = { current: undefined };
  const makeFanOut: FanOutFactory = (system, mediatorName) => {
    const gatewayName = `${mediatorName}-gateway`;
    const fanOut = new ClusterFanOut({
      system,
      cluster: clusterOf(system),
      remote: remoteOf(system),
      gatewayName,
      registry: remoteTypesOf(system, "clusterPubSub()"),
      dedupWindow: options.dedupWindow ?? 1024,
    });
    holder.current = fanOut;
    return {
      interestChanged: (topic, interested) => fanOut.interestChanged(topic, interested),
      publish: (topic, message, sender) => fanOut.publish(topic, message, sender),
      counts: () => fanOut,
      attach: async (pubsub) => {
        fanOut.attach(pubsub);
        await hostOf(system).spawnSystemActor(gatewayName, () => new ClusterGatewayActor(fanOut, options.interestSyncIntervalMs ?? 5000));
      },
    };
  };
  return new ClusterPubSubPlugin(options, holder, makeFanOut);
}

/** The cluster pub/sub of `system`; PluginNotInstalledError when it was started without clusterPubSub(). */
export function clusterPubSubOf(system: ActorSystem): ClusterPubSub {
  const plugin = pluginOf<PubSub>(system, "pubsub", "clusterPubSubOf(system)");
  if (!(plugin instanceof ClusterPubSubPlugin))
    throw new PluginNotInstalledError("pubsub", "@tsakt/pubsub/cluster (clusterPubSub())", "clusterPubSubOf(system)");
  return plugin;
}

function validateClusterOptions(options: ClusterPubSubOptions): void {
  const o = options as Record<string, unknown>;
  const i = o.interestSyncIntervalMs;
  if (i !== undefined && !(typeof i === "number" && Number.isFinite(i) && i > 0))
    throw new InvalidOptionError("interestSyncIntervalMs", `must be a positive number of milliseconds, got ${String(i)}`);
  const d = o.dedupWindow;
  if (d !== undefined && !(Number.isInteger(d) && (d as number) > 0 && (d as number) <= 1_048_576))
    throw new InvalidOptionError("dedupWindow", `must be an integer from 1 to 1048576, got ${String(d)}`);
}

export { PublicationNotSerializableError } from "./errors.js";
