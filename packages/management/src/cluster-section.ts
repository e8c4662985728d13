import { create, isMessage } from "@bufbuild/protobuf";
import { type ActorSystem, isTsaktError } from "@tsakt/actor";
import type { Cluster, ClusterMember } from "@tsakt/cluster";
import type { Remote } from "@tsakt/remote";
import { managementActorName } from "./cluster-actor.js";
import { type ClusterEventEntry, eventEntry, membersView, memberView, safeSelf } from "./cluster-views.js";
import { pageFromMessage, statsFromMessage } from "./cluster-wire.js";
import { maxActorPage } from "./core-routes.js";
import {
  ActorPageQuerySchema,
  ActorPageSchema,
  ManagementAcceptedSchema,
  ManagementLeaveSchema,
  NodeStatsQuerySchema,
  NodeStatsSchema,
} from "./gen/tsakt/management/v1/management_pb.js";
import { HttpError, intParam, type Route } from "./http.js";
import { nodeStats } from "./node-view.js";
import type { ManagementPlugin } from "./plugin.js";
import type { ManagementMeter } from "./prometheus.js";
import type { ManagementSection, NodeSnapshot } from "./section.js";

/**
 * Manual downing, which split-brain resolution adds to the cluster as cluster.down(member). The endpoint detects it
 * at run time: without it, the down operation answers 501.
 */
export interface Downing {
  /** Declares the member `name` down: the others remove it as if it had died. */
  down(name: string): unknown;
}

/** What the cluster section works with. */
export interface ClusterSectionDeps {
  readonly system: ActorSystem;
  readonly cluster: Cluster;
  readonly remote: Remote;
  readonly management: ManagementPlugin;
  readonly eventLogSize: number;
  readonly pollTimeoutMs: number;
}

/**
 * The cluster's part of the management endpoint: members, leader, events, registry, every member's numbers (asked
 * of their /system/management actors), operations leave and down, readiness, and the live stream's cluster events.
 */
export class ClusterSection implements ManagementSection {
  readonly routes: Route[];
  private readonly events: ClusterEventEntry[] = [];
  private readonly known = new Map<string, NodeSnapshot & { lastAt: number }>();
  private polling = false;
  private unsubscribe: (() => void) | undefined = undefined;

  constructor(private readonly deps: ClusterSectionDeps) {
    this.routes = this.makeRoutes();
  }

  /** Starts recording cluster events. */
  start(): void {
    const { cluster, system, management } = this.deps;
    this.unsubscribe = cluster.subscribe((event) => {
      const entry = eventEntry(event, system.clock.now());
      this.events.push(entry);
      if (this.events.length > this.deps.eventLogSize) this.events.shift();
      if (event.type === "member-left") this.known.delete(event.member.name);
      management.publish("event", entry);
      const view = membersView(cluster);
      management.publish("members", { leader: view.leader, members: view.members });
    });
  }

  stop(): void {
    this.unsubscribe?.();
  }

  notReady(): string | undefined {
    const cluster = this.deps.cluster;
    if (!cluster.isRunning) return "this node is not a running cluster member (it has not joined yet, left, or its cluster stopped)";
    if ((cluster as Partial<{ isDowned: boolean }>).isDowned === true) return "this node was downed";
    const self = cluster.self;
    if (!cluster.members().some((m) => m.uid === self.uid)) return "this node is not a live member in its own view";
    return undefined;
  }

  status(): Record<string, unknown> {
    const cluster = this.deps.cluster;
    const view = membersView(cluster);
    return {
      cluster: {
        self: view.self,
        leader: view.leader,
        members: view.members.length,
        unreachable: view.unreachable.length,
        registry: cluster.isRunning ? cluster.registry.stats() : null,
      },
    };
  }

  async snapshot(): Promise<Record<string, unknown>> {
    const view = membersView(this.deps.cluster);
    const nodes = await this.pollAll(true);
    return { cluster: true, self: view.self, leader: view.leader, members: view.members, events: [...this.events], nodes };
  }

  metrics(meter: ManagementMeter): void {
    const cluster = this.deps.cluster;
    meter
      .createObservableGauge("tsakt.cluster.members", { description: "Live cluster members by status, as this node sees them" })
      .addCallback((r) => {
        if (!cluster.isRunning) return;
        const members = cluster.members();
        for (const status of ["alive", "suspect"])
          r.observe(members.filter((m) => m.status === status).length, { "tsakt.member.status": status });
      });
    meter.createObservableGauge("tsakt.cluster.leader", { description: "1 when this node is the leader" }).addCallback((r) => {
      if (cluster.isRunning) r.observe(cluster.isLeader() ? 1 : 0);
    });
    meter.createObservableGauge("tsakt.registry.entries", { description: "Registry entries this node holds" }).addCallback((r) => {
      if (cluster.isRunning) r.observe(cluster.registry.localEntryCount());
    });
    meter
      .createObservableGauge("tsakt.registry.primary_partitions", { description: "Registry partitions this node is primary of" })
      .addCallback((r) => {
        if (cluster.isRunning) r.observe(cluster.registry.stats().primaryPartitions);
      });
  }

  onSample(own: NodeSnapshot): boolean {
    if (this.polling) return true;
    this.polling = true;
    this.pollAll(false, own).then(
      (nodes) => {
        this.polling = false;
        this.deps.management.publish("nodes", nodes);
      },
      () => {
        this.polling = false;
      },
    );
    return true;
  }

  /** Every live member's numbers: this node's own, the others' asked of their management actors. */
  private async pollAll(full: boolean, own?: NodeSnapshot): Promise<NodeSnapshot[]> {
    const cluster = this.deps.cluster;
    const self = safeSelf(cluster);
    const mine: NodeSnapshot = own !== undefined && !full ? own : { ...(await this.ask(selfMember(cluster), 0)), reachable: true };
    if (!cluster.isRunning) return [mine];
    const others = cluster.members().filter((m) => m.name !== self);
    const answers = await Promise.all(
      others.map(async (member): Promise<NodeSnapshot> => {
        const last = this.known.get(member.name);
        try {
          const fresh = await this.ask(member, full || last === undefined ? 0 : last.lastAt);
          const lastAt = fresh.samples[fresh.samples.length - 1]?.at ?? last?.lastAt ?? 0;
          this.known.set(member.name, { ...fresh, reachable: true, lastAt });
          return { ...fresh, reachable: true };
        } catch {
          if (last !== undefined) return { stats: last.stats, samples: [], reachable: false };
          return { stats: emptyStats(member, cluster.self.system), samples: [], reachable: false };
        }
      }),
    );
    return [mine, ...answers];
  }

  private async ask(
    member: ClusterMember | undefined,
    sinceMs: number,
  ): Promise<{ stats: NodeSnapshot["stats"]; samples: NodeSnapshot["samples"] }> {
    const { management, system } = this.deps;
    if (member === undefined || member.name === safeSelf(this.deps.cluster)) {
      const stats = nodeStats(system, management.node(), management.url);
      return { stats, samples: management.samplesSince(sinceMs) };
    }
    const reply = await this.actorAt(member).ask(create(NodeStatsQuerySchema, { sinceMs }), { timeoutMs: this.deps.pollTimeoutMs });
    if (!isMessage(reply, NodeStatsSchema)) throw new Error(`${member.name} answered with something else`);
    return statsFromMessage(reply, member.system);
  }

  private actorAt(member: ClusterMember) {
    return this.deps.remote.pidOf(`${member.address}/system/${managementActorName}`);
  }

  private member(name: string): ClusterMember {
    const cluster = this.deps.cluster;
    const member = cluster.isRunning ? cluster.member(name) : undefined;
    if (member === undefined)
      throw new HttpError(404, "MemberNotFound", `${JSON.stringify(name)} is not a live member; GET /cluster/members lists them`);
    return member;
  }

  private async leave(member: ClusterMember): Promise<void> {
    const cluster = this.deps.cluster;
    if (member.name === safeSelf(cluster)) {
      // Answer first: leaving closes this node's cluster traffic, not the HTTP endpoint.
      setImmediate(() => void cluster.stop());
      return;
    }
    const reply = await this.actorAt(member)
      .ask(create(ManagementLeaveSchema), { timeoutMs: this.deps.pollTimeoutMs * 3 })
      .catch((error: unknown) => {
        throw new HttpError(
          502,
          isTsaktError(error) ? error.code : "Unreachable",
          `${member.name} did not take the leave request: ${String(error)}`,
        );
      });
    if (!isMessage(reply, ManagementAcceptedSchema))
      throw new HttpError(502, "BadAnswer", `${member.name} did not accept the leave request`);
  }

  private async down(member: ClusterMember): Promise<void> {
    const downing = this.deps.cluster as unknown as Partial<Downing>;
    if (typeof downing.down !== "function")
      throw new HttpError(
        501,
        "NotImplemented",
        "this cluster has no manual downing yet (cluster.down comes with split-brain resolution); let the failure detector declare the member dead, or ask it to leave",
      );
    try {
      await downing.down.call(this.deps.cluster, member.name);
    } catch (error) {
      throw new HttpError(
        409,
        isTsaktError(error) ? error.code : "DownFailed",
        `could not down ${member.name}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  private makeRoutes(): Route[] {
    const cluster = this.deps.cluster;
    const operation = async (name: string, op: unknown) => {
      if (op !== "leave" && op !== "down") throw new HttpError(400, "BadRequest", 'operation must be "leave" or "down"');
      const member = this.member(name);
      if (op === "leave") await this.leave(member);
      else await this.down(member);
      return { status: 202, body: { member: member.name, operation: op, accepted: true } };
    };
    return [
      { method: "GET", pattern: "/cluster/members", handle: () => ({ body: membersView(cluster) }) },
      {
        method: "GET",
        pattern: "/cluster/members/:name",
        handle: (r) => ({ body: memberView(this.member(r.params.name as string), cluster.leader()?.name, safeSelf(cluster)) }),
      },
      {
        method: "PUT",
        pattern: "/cluster/members/:name",
        mutates: true,
        handle: async (r) => operation(r.params.name as string, (await r.json()).operation),
      },
      { method: "DELETE", pattern: "/cluster/members/:name", mutates: true, handle: (r) => operation(r.params.name as string, "leave") },
      {
        method: "GET",
        pattern: "/cluster/leader",
        handle: () => {
          const leader = cluster.isRunning ? cluster.leader() : undefined;
          return { body: { leader: leader === undefined ? null : memberView(leader, leader.name, safeSelf(cluster)) } };
        },
      },
      {
        method: "GET",
        pattern: "/cluster/events",
        handle: (r) => {
          const limit = intParam(r.query, "limit", 100, 1, this.deps.eventLogSize);
          return { body: { events: this.events.slice(-limit) } };
        },
      },
      {
        method: "GET",
        pattern: "/cluster/registry",
        handle: () => {
          if (!cluster.isRunning) throw new HttpError(503, "ClusterNotRunning", "the cluster is not running on this node");
          return { body: { node: safeSelf(cluster), ...cluster.registry.stats() } };
        },
      },
      { method: "GET", pattern: "/cluster/nodes", handle: async () => ({ body: { nodes: await this.pollAll(true) } }) },
      {
        method: "GET",
        pattern: "/cluster/nodes/:name",
        handle: async (r) => {
          const member = this.member(r.params.name as string);
          try {
            return { body: { ...(await this.ask(member, intParam(r.query, "since", 0, 0, Number.MAX_SAFE_INTEGER))), reachable: true } };
          } catch (error) {
            throw new HttpError(
              504,
              "NodeNotAnswering",
              `${member.name} did not answer: ${error instanceof Error ? error.message : String(error)}`,
            );
          }
        },
      },
      {
        method: "GET",
        pattern: "/cluster/nodes/:name/actors",
        handle: async (r) => {
          const member = this.member(r.params.name as string);
          const under = r.query.get("under") ?? "";
          const query = create(ActorPageQuerySchema, {
            under,
            offset: intParam(r.query, "offset", 0, 0, 2 ** 31),
            limit: intParam(r.query, "limit", 100, 1, maxActorPage),
            maxDepth: intParam(r.query, "maxDepth", 0, 0, 1000),
          });
          let reply: unknown;
          try {
            reply = await this.actorAt(member).ask(query, { timeoutMs: this.deps.pollTimeoutMs * 3 });
          } catch (error) {
            throw new HttpError(
              504,
              "NodeNotAnswering",
              `${member.name} did not answer: ${error instanceof Error ? error.message : String(error)}`,
            );
          }
          if (!isMessage(reply, ActorPageSchema)) throw new HttpError(502, "BadAnswer", `${member.name} answered with something else`);
          if (!reply.found) throw new HttpError(404, "NotFound", `no actor at ${JSON.stringify(under)} on ${member.name}`);
          return { body: pageFromMessage(reply, under, query.limit) };
        },
      },
    ];
  }
}

function selfMember(cluster: Cluster): ClusterMember | undefined {
  try {
    return cluster.self;
  } catch {
    return undefined;
  }
}

function emptyStats(member: ClusterMember, system: string): NodeSnapshot["stats"] {
  return {
    node: member.name,
    address: member.address,
    system,
    uptimeSec: 0,
    actors: 0,
    processed: 0,
    mailboxDepth: 0,
    deadLetters: 0,
    restarts: 0,
    grains: { enabled: false, active: 0, kinds: [] },
    url: "",
  };
}
