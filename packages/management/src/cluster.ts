import { type ActorSystem, InvalidOptionError, type PID, type Plugin, type ProtoTypes } from "@tsakt/actor";
import { hostOf, pluginOf } from "@tsakt/actor/internal";
import { clusterOf } from "@tsakt/cluster";
import { remoteOf } from "@tsakt/remote";
import { remoteTypesOf } from "@tsakt/remote/internal";
import { ManagementActor, managementActorName } from "./cluster-actor.js";
import { ClusterSection } from "./cluster-section.js";
import { file_tsakt_management_v1_management } from "./gen/tsakt/management/v1/management_pb.js";
import type { ManagementPlugin } from "./plugin.js";

export type { Downing } from "./cluster-section.js";
export type { ClusterEventEntry, MembersView, MemberView } from "./cluster-views.js";

/** The protobuf messages management endpoints exchange between members; clusterManagement() declares them. */
export const managementTypes: readonly ProtoTypes[] = Object.freeze([file_tsakt_management_v1_management]);

/** Options of clusterManagement(). */
export interface ClusterManagementOptions {
  /** How long a member's management actor may take to answer a poll (numbers, actors); leave requests get three times as long. Default: 1000. */
  pollTimeoutMs?: number;
}

class ClusterManagementPlugin implements Plugin {
  readonly name = "management-cluster";
  readonly packageName = "@tsakt/management";
  readonly dependsOn = ["remoting", "cluster", "management"] as const;
  readonly types = managementTypes;
  private section: ClusterSection | undefined = undefined;
  private actor: PID | undefined = undefined;
  private system: ActorSystem | undefined = undefined;

  constructor(private readonly pollTimeoutMs: number) {}

  async start(system: ActorSystem): Promise<void> {
    this.system = system;
    const cluster = clusterOf(system);
    const management = pluginOf<ManagementPlugin>(system, "management", "clusterManagement()", "@tsakt/management");
    const remote = remoteOf(system);
    management.nodeName = () => cluster.self.name;
    management.typeRegistry = () => remoteTypesOf(system, "clusterManagement()");
    const section = (this.section = new ClusterSection({
      system,
      cluster,
      remote,
      management,
      eventLogSize: management.eventLogSize,
      pollTimeoutMs: this.pollTimeoutMs,
    }));
    this.actor = await hostOf(system).spawnSystemActor(
      managementActorName,
      () =>
        new ManagementActor({
          system,
          cluster,
          node: () => management.node(),
          url: () => management.url,
          samplesSince: (since) => management.samplesSince(since),
          registryShare: () => {
            const stats = cluster.registry.stats();
            return { registryEntries: stats.localEntries, primaryPartitions: stats.primaryPartitions };
          },
          leave: () => setImmediate(() => void cluster.stop()),
        }),
    );
    section.start();
    management.addSection(section);
  }

  async stop(): Promise<void> {
    this.section?.stop();
    if (this.actor !== undefined) await this.system?.stopActor(this.actor).catch(() => undefined);
  }
  /** Stops it (as stop()). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/**
 * The cluster's part of the management endpoint, for cluster nodes: `plugins: [remoting(), cluster({…}),
 * management({ port }), clusterManagement()]` on every member. It adds /cluster/* (members, leader, events,
 * registry, every member's numbers and actors, operations leave and down), makes readiness mean "joined and not
 * downed", and feeds the dashboard's members graph and event log. Members answer each other through
 * /system/management over remoting.
 */
export function clusterManagement(options: ClusterManagementOptions = {}): Plugin {
  if (typeof options !== "object" || options === null) throw new InvalidOptionError("options", "must be an object { pollTimeoutMs? }");
  for (const key of Object.keys(options))
    if (key !== "pollTimeoutMs") throw new InvalidOptionError(key, "is not a clusterManagement option (known: pollTimeoutMs)");
  const pollTimeoutMs = options.pollTimeoutMs ?? 1000;
  if (!Number.isInteger(pollTimeoutMs) || pollTimeoutMs < 1 || pollTimeoutMs > 600_000)
    throw new InvalidOptionError("pollTimeoutMs", `must be a whole number of milliseconds from 1 to 600000, got ${String(pollTimeoutMs)}`);
  return new ClusterManagementPlugin(pollTimeoutMs);
}
