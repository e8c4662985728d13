import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import {
  type ActorSystem,
  LeaderChangedSchema,
  NodeJoinedSchema,
  NodeLeftSchema,
  type PID,
  type Plugin,
  type ProtoTypes,
} from "@tsakt/actor";
import { hostOf, pluginOf, type TimerHandle } from "@tsakt/actor/internal";
import { ClusterAlreadyStartedError, ClusterNotRunningError } from "./errors.js";
import type { ClusterEvent, ClusterEventListener } from "./events.js";
import { FailureDetector } from "./failure-detector.js";
import {
  AckSchema,
  type ClusterMessage,
  file_tsakt_cluster_v1_cluster,
  type Member,
  MemberSchema,
  type MemberState,
  SyncSchema,
} from "./gen/tsakt/cluster/v1/cluster_pb.js";
import { file_tsakt_cluster_v1_placement } from "./gen/tsakt/cluster/v1/placement_pb.js";
import { GossipQueue } from "./gossip-queue.js";
import { Joiner } from "./joiner.js";
import { type ClusterMember, memberAddress, toClusterMember } from "./member.js";
import { Membership } from "./membership.js";
import { Messenger } from "./messenger.js";
import { type ClusterOptions, type ClusterSettings, resolveClusterOptions } from "./options.js";
import { ActorPlacement, type SingletonOptions, type SpawnOnOptions } from "./placement.js";
import { Registry } from "./registry.js";
import { type ConflictListener, type OwnerLostListener, RegistryReplica } from "./registry-replica.js";
import { shuffle } from "./shuffle.js";
import type { ClusterReply, ClusterTransport } from "./transport.js";

/** The running parts of a started cluster. */
interface Parts {
  readonly system: ActorSystem;
  readonly transport: ClusterTransport;
  readonly membership: Membership;
  readonly messenger: Messenger;
  readonly detector: FailureDetector;
  readonly joiner: Joiner;
  readonly replica: RegistryReplica;
  readonly registry: Registry;
  readonly placement: ActorPlacement;
}

type State = "new" | "starting" | "running" | "stopping" | "stopped";

/** The cluster plugin running on `system`; throws PluginNotInstalledError when it was started without cluster(). */
export function clusterOf(system: ActorSystem): Cluster {
  return pluginOf<Cluster>(system, "cluster", "clusterOf(system)");
}

/** The protobuf files of the cluster's own messages; the cluster plugin declares them, so remoting knows them. */
export const clusterTypes: readonly ProtoTypes[] = Object.freeze([file_tsakt_cluster_v1_cluster, file_tsakt_cluster_v1_placement]);

/**
 * This node's membership in a TsAkt cluster: SWIM failure detection and gossip, joining through discovery, the
 * oldest member as leader, and the partitioned registry. Made by cluster(options) and passed in
 * `ActorSystem.start({ plugins: [remoting(), cluster(options)] })`; clusterOf(system) returns it.
 */
export class Cluster implements Plugin {
  /** "cluster", the plugin's name. */
  readonly name = "cluster";
  /** The package named in PluginNotInstalledError. */
  readonly packageName = "@tsakt/cluster";
  /** Remoting, unless a transport was given. */
  readonly dependsOn: readonly string[];
  /** The cluster's own messages, registered with remoting. */
  readonly types = clusterTypes;
  private settings: ClusterSettings;
  private state: State = "new";
  private parts: Parts | undefined = undefined;
  private stopping: Promise<void> | undefined = undefined;
  private leaderState: MemberState | undefined = undefined;
  private viewDirty = false;
  private readonly listeners = new Set<ClusterEventListener>();
  private readonly ownerLost = new Set<OwnerLostListener>();
  private readonly conflicts = new Set<ConflictListener>();
  private readonly lastSyncWith = new Map<string, number>();

  /** @internal Use cluster(options). */
  constructor(options: ClusterOptions, dependsOn: readonly string[]) {
    this.settings = resolveClusterOptions(options);
    this.dependsOn = dependsOn;
  }

  /** True between a successful start and stop. */
  get isRunning(): boolean {
    return this.state === "running";
  }

  /** This node as a member. */
  get self(): ClusterMember {
    return toClusterMember(this.running("read self").membership.self);
  }

  /** The cluster-wide registry. */
  get registry(): Registry {
    return this.running("use the registry").registry;
  }

  /** Live members (alive or suspect), this node included, oldest first. */
  members(): ClusterMember[] {
    return this.running("list members").membership.live().map(toClusterMember);
  }

  /** The named member when it is live, else undefined. */
  member(name: string): ClusterMember | undefined {
    return this.members().find((m) => m.name === name);
  }

  /** The oldest live member (with `role`, when given): the leader; undefined when there is none. */
  leader(role?: string): ClusterMember | undefined {
    const live = this.running("find the leader").membership.live();
    const state = role === undefined ? live[0] : live.find((s) => s.member?.roles.includes(role));
    return state === undefined ? undefined : toClusterMember(state);
  }

  /** True when this node is the leader (of the members with `role`, when given). */
  isLeader(role?: string): boolean {
    return this.leader(role)?.uid === this.running("find the leader").membership.self.member?.uid;
  }

  /** Calls `listener` for every membership change seen from now on; returns the unsubscribe function. */
  subscribe(listener: ClusterEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Calls `listener` with the registry entries whose owner died or left, after removing them: the hook for
   * relocation. Each entry is reported once cluster-wide, on the node that is primary of its partition, so add the
   * listener on every node, before start (a joining node takes partitions over, and reports, while it starts).
   * Returns the function that removes it.
   */
  onOwnerLost(listener: OwnerLostListener): () => void {
    this.ownerLost.add(listener);
    return () => this.ownerLost.delete(listener);
  }

  /**
   * Calls `listener` when merging registry copies (after a healed partition) found two owners for one key: `kept`
   * is the last writer, `lost` the duplicate to stop. Each node that merges the pair reports it once. Returns the
   * function that removes it.
   */
  onConflict(listener: ConflictListener): () => void {
    this.conflicts.add(listener);
    return () => this.conflicts.delete(listener);
  }

  /**
   * Claims `name` cluster-wide (ActorAlreadyExistsError when it exists on any node) and spawns an actor of `kind` (from
   * the `kinds` option) on the member `placement` picks. Default: round-robin over live members, relocatable.
   */
  spawnOn(name: string, kind: string, options?: SpawnOnOptions): Promise<PID> {
    return this.running("spawn an actor").placement.spawnOn(name, kind, options);
  }

  /** Spawns the singleton `name` on the leader (oldest member with `role`), or returns the PID of the one that runs already. */
  spawnSingleton(name: string, kind: string, options?: SingletonOptions): Promise<PID> {
    return this.running("spawn a singleton").placement.spawnSingleton(name, kind, options);
  }

  /**
   * The SystemPlugin lookup behind system.actorOf(name): the registry's owner of `name`, as a PID on that node;
   * undefined for paths, addresses and unregistered names. Retries for up to lookupRetryMs during a relocation.
   */
  resolve(nameOrAddress: string): Promise<PID | undefined> {
    if (this.state !== "running" || this.parts === undefined) return Promise.resolve(undefined);
    return this.parts.placement.resolve(nameOrAddress);
  }

  /** The SystemPlugin hook behind system.spawn: claims a top-level name in the registry so it is unique cluster-wide. */
  claimName(name: string): Promise<((spawned: boolean) => void) | undefined> {
    if (this.state !== "running" || this.parts === undefined) return Promise.resolve(undefined);
    return this.parts.placement.claimLocal(name);
  }

  /** Starts the cluster on `system` (the SystemPlugin hook): registers in discovery, joins the peers found, starts probing. */
  async start(system: ActorSystem): Promise<void> {
    if (this.state !== "new") throw new ClusterAlreadyStartedError();
    this.state = "starting";
    const s = (this.settings = { ...this.settings, clock: system.clock });
    let transport: ClusterTransport;
    try {
      transport = typeof s.transport === "function" ? await s.transport(system) : s.transport;
    } catch (error) {
      this.state = "stopped";
      this.stopping = Promise.resolve();
      throw error;
    }
    if (this.state !== "starting") {
      // stop() was called while the transport was being made.
      await transport.close();
      return;
    }
    const address = transport.self;
    const self = create(MemberSchema, {
      name: address.name,
      host: address.host,
      port: address.port,
      system: system.name,
      roles: s.roles,
      uid: randomUUID(),
      startedAtMs: s.clock.now(),
    });
    const logger = system.logger;
    const gossip = new GossipQueue(s.gossipBufferSize, s.maxPiggyback, s.retransmitMultiplier);
    const membership = new Membership(
      self,
      s,
      gossip,
      { joined: (m, revived) => this.joined(m, revived), left: (m) => this.left(m), refuted: () => this.spreadRefutation() },
      logger,
    );
    const messenger = new Messenger(transport, membership, gossip);
    const replica = new RegistryReplica({
      settings: s,
      membership,
      messenger,
      logger,
      refreshView: () => this.refreshView(),
      ownerLost: this.ownerLost,
      conflicts: this.conflicts,
    });
    const registry = new Registry(replica, membership, messenger, s, () => this.state === "running");
    const detector = new FailureDetector(membership, messenger, s);
    const joiner = new Joiner(s.discovery, membership, messenger, s, logger, () => this.housekeeping());
    const placement = new ActorPlacement({
      system,
      settings: s,
      registry: () => registry,
      members: () => this.members(),
      self: () => this.self,
      leader: (role) => this.leader(role),
      isRunning: () => this.state === "running",
    });
    this.parts = { system, transport, membership, messenger, detector, joiner, replica, registry, placement };
    transport.onMessage((message, reply) => this.receive(message, reply));
    this.joined(membership.self, false);
    this.ownerLost.add((entries) => placement.ownerLost(entries));
    try {
      await placement.start();
      await joiner.join({ name: self.name, host: self.host, port: self.port, roles: [...self.roles] });
    } catch (error) {
      this.state = "stopped";
      this.stopping = Promise.resolve();
      await placement.stop();
      await transport.close();
      await s.discovery.close().catch(() => undefined);
      throw error;
    }
    // stop() during the join already took over; it must not find probes started behind its back.
    if (this.state !== "starting") return;
    this.state = "running";
    replica.activate();
    this.refreshView();
    detector.start();
    joiner.start();
    hostOf(system).onTerminated(() => void this.stop());
  }

  /** Leaves gracefully: hands registry partitions over, announces the leave, deregisters, closes the transport. Idempotent. */
  stop(): Promise<void> {
    if (this.state === "new") this.state = "stopped";
    this.stopping ??= this.parts === undefined ? Promise.resolve() : this.leave(this.parts);
    return this.stopping;
  }

  /** Leaves the cluster (as stop()). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  private async leave(parts: Parts): Promise<void> {
    const { system, transport, membership, messenger, detector, joiner, replica, placement } = parts;
    const log = system.logger;
    this.state = "stopping";
    await placement.stop();
    detector.stop();
    joiner.stop();
    await withTimeout(this.settings.clock, replica.leave(), this.settings.leaveTimeoutMs).catch((error: unknown) =>
      log.warn({ err: error }, "registry hand-off before leaving failed"),
    );
    const left = membership.leave();
    for (const s of membership.live())
      if (s.member !== undefined && s.member.name !== left.member?.name) messenger.announce(s.member, [left]);
    membership.stop();
    replica.stop();
    const discovery = this.settings.discovery;
    await discovery
      .deregister()
      .catch((error: unknown) => log.warn({ err: error }, "discovery deregister failed while leaving the cluster"));
    await discovery.close().catch((error: unknown) => log.warn({ err: error }, "discovery close failed while leaving the cluster"));
    await transport.close();
    this.state = "stopped";
    const previous = this.leaderState;
    this.leaderState = undefined;
    if (previous !== undefined)
      this.emit(LeaderChangedSchema, { type: "leader-changed", leader: undefined, previous: toClusterMember(previous) });
  }

  // ---- incoming messages ----

  private receive(message: ClusterMessage, reply: ClusterReply | undefined): void {
    const parts = this.parts;
    const from = message.from;
    if (parts === undefined || this.state === "stopped" || from === undefined || from.name === "") return;
    const { membership, messenger } = parts;
    if (message.updates.length > 0) membership.applyAll(message.updates);
    this.noticeSender(parts, from);
    const body = message.body;
    switch (body.case) {
      case "ping":
        // A ping meant for an earlier run of this node gets no ack: that process is gone.
        if (body.value.targetUid === "" || body.value.targetUid === membership.self.member?.uid)
          reply?.(messenger.message({ case: "ack", value: create(AckSchema) }, true, from));
        return;
      case "pingReq":
        if (reply !== undefined && body.value.target !== undefined) void parts.detector.probeFor(body.value.target, reply);
        return;
      case "sync":
        membership.applyAll(body.value.states);
        reply?.(messenger.message({ case: "sync", value: create(SyncSchema, { states: membership.all() }) }));
        return;
      case "gossip":
        return;
      default:
        parts.replica.handle(message, reply);
    }
  }

  /** A message from a node this one does not know (or knows as an earlier run) triggers a full sync with it, at most once per join timeout. */
  private noticeSender(parts: Parts, from: Member): void {
    const known = parts.membership.get(from.name);
    if (this.state !== "running" || (known !== undefined && known.member?.uid === from.uid)) return;
    const now = this.settings.clock.now();
    if (now - (this.lastSyncWith.get(from.name) ?? -Infinity) < this.settings.joinTimeoutMs) return;
    this.lastSyncWith.set(from.name, now);
    void parts.joiner.syncWith(from);
  }

  // ---- membership changes ----

  private joined(state: MemberState, revived: boolean): void {
    const s = this.settings;
    if (revived) this.parts?.replica.holdPurges(s.suspicionTimeoutMs + 2 * s.probeIntervalMs);
    this.emit(NodeJoinedSchema, { type: "member-joined", member: toClusterMember(state) });
    this.scheduleView();
  }

  private left(state: MemberState): void {
    this.parts?.placement.memberLeft();
    this.emit(NodeLeftSchema, { type: "member-left", member: toClusterMember(state) });
    this.scheduleView();
  }

  /** Sends this node's refutation straight to a few members instead of waiting for the next probes. */
  private spreadRefutation(): void {
    const parts = this.parts;
    if (parts === undefined) return;
    const self = parts.membership.self;
    const others = parts.membership.live().filter((s) => s.member?.name !== self.member?.name);
    for (const s of shuffle(others).slice(0, Math.max(1, this.settings.indirectChecks)))
      if (s.member !== undefined) parts.messenger.announce(s.member, [self]);
  }

  /** Coalesces the membership changes of one message into one recomputation. */
  private scheduleView(): void {
    if (this.viewDirty) return;
    this.viewDirty = true;
    queueMicrotask(() => this.refreshView());
  }

  /** Brings the partition table and the leader in line with membership now. */
  private refreshView(): void {
    const parts = this.parts;
    this.viewDirty = false;
    // While joining, the view is still partial; start() brings it up to date once the first exchange settled.
    if (parts === undefined || this.state === "starting" || this.state === "stopped") return;
    parts.replica.viewChanged();
    const leader = parts.membership.live()[0];
    const previous = this.leaderState;
    if (leader?.member?.uid === previous?.member?.uid) return;
    this.leaderState = leader;
    this.emit(LeaderChangedSchema, {
      type: "leader-changed",
      leader: leader === undefined ? undefined : toClusterMember(leader),
      previous: previous === undefined ? undefined : toClusterMember(previous),
    });
  }

  private housekeeping(): void {
    const parts = this.parts;
    if (parts === undefined) return;
    const now = this.settings.clock.now();
    parts.membership.prune(now);
    parts.replica.sweep(now);
    for (const [name, at] of this.lastSyncWith) if (now - at > this.settings.joinTimeoutMs) this.lastSyncWith.delete(name);
  }

  /** Publishes the proto event on the system's event stream and the plain event to subscribers. */
  private emit(schema: typeof NodeJoinedSchema | typeof NodeLeftSchema | typeof LeaderChangedSchema, event: ClusterEvent): void {
    const parts = this.parts;
    if (parts === undefined) return;
    const member = event.type === "leader-changed" ? event.leader : event.member;
    const address = member === undefined ? "" : memberAddress(member);
    parts.system.eventStream.publish(create(schema, { address }));
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        parts.system.logger.error({ err: error, event: event.type }, "cluster event listener threw; it stays subscribed");
      }
    }
  }

  private running(operation: string): Parts {
    if (this.parts === undefined || this.state === "new") throw new ClusterNotRunningError(operation);
    return this.parts;
  }
}

function withTimeout(clock: ActorSystem["clock"], promise: Promise<void>, ms: number): Promise<void> {
  let timer: TimerHandle | undefined;
  const timeout = new Promise<void>((resolve) => (timer = clock.setTimeout(resolve, ms)));
  return Promise.race([promise, timeout]).finally(() => {
    if (timer !== undefined) clock.clearTimeout(timer);
  });
}
