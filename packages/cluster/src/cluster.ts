import { type ActorSystem, InvalidOptionError, type PID, type Plugin } from "@tsakt/actor";
import { hostOf, type Meter } from "@tsakt/actor/internal";
import { type BeforeLeaveListener, clusterTypes, type LeaveReason, withTimeout } from "./cluster-basics.js";
import { ClusterEmitter } from "./cluster-emitter.js";
import { handleClusterMessage } from "./cluster-inbox.js";
import { buildParts, type Parts } from "./cluster-parts.js";
import { type ClusterDatacenter, datacentersOf } from "./datacenter.js";
import { Duplicates, type DuplicatesListener } from "./duplicates.js";
import { ClusterAlreadyStartedError, ClusterNotRunningError } from "./errors.js";
import type { ClusterEventListener } from "./events.js";
import type { ClusterMessage, Member, MemberState } from "./gen/tsakt/cluster/v1/cluster_pb.js";
import { MemberDownedSchema, SplitBrainDecisionSchema } from "./gen/tsakt/cluster/v1/events_pb.js";
import { type ClusterMember, isLive, memberAddress, toClusterMember } from "./member.js";
import { type ClusterMetricsSource, instrumentCluster } from "./metrics.js";
import { type ClusterOptions, type ClusterSettings, resolveClusterOptions } from "./options.js";
import type { SingletonOptions, SpawnOnOptions } from "./placement/options.js";
import type { Registry } from "./registry.js";
import type { ConflictListener, OwnerLostListener } from "./registry-replica.js";
import { shuffle } from "./shuffle.js";
import type { ClusterReply, ClusterTransport } from "./transport.js";

type State = "new" | "starting" | "running" | "stopping" | "stopped";

/**
 * This node's membership in a TsAkt cluster: SWIM failure detection and gossip, joining through discovery, the
 * oldest member as leader, the partitioned registry, and the split-brain resolver that decides which side of a
 * partition survives. Made by cluster(options) and passed in `ActorSystem.start({ plugins: [remoting(), cluster(options)] })`;
 * clusterOf(system) returns it.
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
  private downing: Promise<void> | undefined = undefined;
  private leaderState: MemberState | undefined = undefined;
  private viewDirty = false;
  private hookedTermination = false;
  /** Set while a downed node starts again: it waits for a running member to join instead of forming a cluster. */
  private rejoining = false;
  private readonly emitter = new ClusterEmitter();
  private readonly ownerLost = new Set<OwnerLostListener>();
  private readonly conflicts = new Set<ConflictListener>();
  private readonly beforeLeaveListeners = new Set<BeforeLeaveListener>();
  /** Members this node downed, and whether its instruments exist (they outlive a rejoin). */
  private downings = 0;
  private instrumented = false;
  private readonly metricsSource: ClusterMetricsSource = {
    parts: () => (this.state === "running" ? this.parts : undefined),
    downings: () => this.downings,
  };
  private readonly duplicates = new Duplicates(() => this.parts, this.emitter);

  /** @internal Use cluster(options). */
  constructor(options: ClusterOptions, dependsOn: readonly string[]) {
    this.settings = resolveClusterOptions(options);
    this.dependsOn = dependsOn;
    this.conflicts.add((kept, lost) => this.duplicates.found(kept, lost));
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

  /** Names of the live members this node cannot reach now (the split-brain resolver decides about them). */
  unreachable(): string[] {
    return [...this.running("list unreachable members").membership.unreachable()];
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
    this.emitter.listeners.add(listener);
    return () => this.emitter.listeners.delete(listener);
  }

  /**
   * Calls `listener` with the registry entries whose owner died or left, after removing them: the hook for
   * relocation. Each entry is reported on the node that is primary of its partition, so add the listener on every
   * node, before start (a joining node takes partitions over, and reports, while it starts). Relocatable actors' and
   * singletons' entries are not removed but marked `orphaned`: they keep naming the lost owner until a survivor
   * re-creates the actor, and a new primary reports them again, so a relocating node that is lost too loses nothing. Returns the function that
   * removes it.
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
   * For plugins that host cluster-owned things (grains): `listener` runs before this node leaves, and after it was
   * downed, before survivors re-create what it hosted; the leave waits for it. Returns the function that removes it.
   */
  beforeLeave(listener: BeforeLeaveListener): () => void {
    this.beforeLeaveListeners.add(listener);
    return () => this.beforeLeaveListeners.delete(listener);
  }

  /**
   * For plugins that host cluster-owned things (grains): `listener` runs on this node when registry entries it owned
   * lost a merge to another owner (after a healed partition or two clusters merging), to stop the local duplicates.
   * Cluster actors and singletons are handled by the cluster itself. Returns the function that removes it.
   */
  onDuplicates(listener: DuplicatesListener): () => void {
    this.duplicates.listeners.add(listener);
    return () => this.duplicates.listeners.delete(listener);
  }

  /**
   * Claims `name` cluster-wide (ActorAlreadyExistsError when it exists on any node) and spawns an actor of `kind` (from
   * the `kinds` option) on the member `placement` picks. Default: round-robin over live members, relocatable.
   */
  spawnOn(name: string, kind: string, options?: SpawnOnOptions): Promise<PID> {
    return this.running("spawn an actor").placement.spawnOn(name, kind, options);
  }

  /** Spawns the singleton `name` on the oldest member (with `role`), or returns the PID of the one that runs already. */
  spawnSingleton(name: string, kind: string, options?: SingletonOptions): Promise<PID> {
    return this.running("spawn a singleton").placement.spawnSingleton(name, kind, options);
  }

  /**
   * Downs a live member by name (manual downing): it is removed from the cluster for good, what it owned is re-created
   * on the others, and the member itself, when it hears of it, stops what it hosts and stops (or rejoins, per
   * downing.whenDowned). Downing this node's own name downs this node.
   */
  async down(memberName: string): Promise<void> {
    const parts = this.running("down a member");
    if (memberName === parts.membership.self.member?.name) return this.downSelf("manual");
    const state = parts.membership.get(memberName);
    if (state === undefined || !isLive(state))
      throw new InvalidOptionError("member", `${JSON.stringify(memberName)} is not a live member of the cluster`);
    this.downMembers([memberName], "manual");
  }

  /**
   * The Plugin lookup behind system.actorOf(name): the registry's owner of `name`, as a PID on that node;
   * undefined for paths, addresses and unregistered names. Retries for up to lookupRetryMs during a relocation.
   */
  resolve(nameOrAddress: string): Promise<PID | undefined> {
    if (this.state !== "running" || this.parts === undefined) return Promise.resolve(undefined);
    return this.parts.placement.resolve(nameOrAddress);
  }

  /** The Plugin hook behind system.spawn: claims a top-level name in the registry so it is unique cluster-wide. */
  claimName(name: string): Promise<((spawned: boolean) => void) | undefined> {
    if (this.state !== "running" || this.parts === undefined) return Promise.resolve(undefined);
    return this.parts.placement.claimLocal(name);
  }

  /**
   * Every datacenter this node knows, as @tsakt/multidc's plugin sees them (multiDatacenterOf(system).datacenters());
   * [] without that plugin (a cluster in one datacenter) or before start.
   */
  datacenters(): ClusterDatacenter[] {
    const system = this.emitter.system;
    return datacentersOf(system === undefined ? undefined : hostOf(system));
  }

  /** Starts the cluster on `system` (the Plugin hook): registers in discovery, joins the peers found, starts probing. */
  async start(system: ActorSystem): Promise<void> {
    if (this.state !== "new") throw new ClusterAlreadyStartedError();
    this.state = "starting";
    const s = (this.settings = { ...this.settings, clock: system.clock });
    this.emitter.system = system;
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
    const parts = buildParts(system, transport, s, {
      hooks: {
        joined: (m, revived) => this.joined(m, revived),
        left: (m) => this.left(m),
        refuted: () => this.spreadRefutation(),
        downed: () => void this.downSelf("downed by another member"),
      },
      resolverActions: {
        downMembers: (names, reason) => this.downMembers(names, reason),
        downSelf: (reason) => void this.downSelf(reason),
        decided: (decision, reachable, unreachable, evidence) => {
          system.logger.warn(
            { strategy: s.downing.strategy, decision, reachable, unreachable, ...evidence },
            "split-brain resolver decided",
          );
          this.emitter.publish(SplitBrainDecisionSchema, {
            strategy: s.downing.strategy,
            decision,
            reachable: [...reachable],
            unreachable: [...unreachable],
          });
        },
      },
      ownerLost: this.ownerLost,
      conflicts: this.conflicts,
      refreshView: () => this.refreshView(),
      housekeeping: () => this.housekeeping(),
      isRunning: () => this.state === "running",
      current: () => (this.state === "running" ? this.parts : undefined),
      members: () => this.members(),
      self: () => this.self,
      leader: (role) => this.leader(role),
    });
    this.parts = parts;
    if (!this.instrumented && hostOf(system).meter !== undefined) {
      this.instrumented = true;
      instrumentCluster(hostOf(system).meter as Meter, system.name, this.metricsSource);
    }
    const { membership, joiner, placement, replica, detector, resolver } = parts;
    transport.onMessage((message, reply) => this.receive(message, reply));
    this.joined(membership.self, false);
    const relocate: OwnerLostListener = (entries) => placement.ownerLost(entries);
    this.ownerLost.add(relocate);
    const self = membership.self.member as Member;
    try {
      await placement.start();
      const rejoining = this.rejoining;
      await joiner.join(
        { name: self.name, host: self.host, port: self.port, roles: [...self.roles] },
        rejoining,
        () => this.state !== "starting",
      );
      // The seeds named other members: hear each of them in person before computing the first view.
      await parts.verifier.settled();
    } catch (error) {
      this.ownerLost.delete(relocate);
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
    resolver.start();
    system.logger.info(
      { member: self.name, members: membership.live().length, leader: membership.live()[0]?.member?.name },
      "joined the cluster",
    );
    if (!this.hookedTermination) {
      this.hookedTermination = true;
      hostOf(system).onTerminated(() => void this.stop());
    }
  }

  /** Leaves gracefully: stops what this node hosts, hands registry partitions over, announces the leave, closes. Idempotent. */
  stop(): Promise<void> {
    if (this.state === "new") this.state = "stopped";
    this.stopping ??= this.downing ?? (this.parts === undefined ? Promise.resolve() : this.leave(this.parts));
    return this.stopping;
  }

  /** Leaves the cluster (as stop()). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  private async leave(parts: Parts): Promise<void> {
    const { system, membership, messenger, detector, joiner, replica, placement, resolver } = parts;
    const log = system.logger;
    this.state = "stopping";
    // What this node hosts stops before anyone learns it left, so survivors never re-create a copy that still runs.
    await this.runBeforeLeave("leave", parts);
    await placement.stopRelocatable();
    await placement.stop();
    detector.stop();
    joiner.stop();
    resolver.stop();
    await withTimeout(this.settings.clock, replica.leave(), this.settings.leaveTimeoutMs).catch((error: unknown) =>
      log.info({ err: error }, "registry hand-off before leaving did not finish; the others pull what they miss"),
    );
    const left = membership.leave();
    for (const s of membership.live())
      if (s.member !== undefined && s.member.name !== left.member?.name) messenger.announce(s.member, [left]);
    await this.close(parts, true);
    log.info({ member: left.member?.name }, "left the cluster");
  }

  /** This node was downed (by its own resolver, by another member, or manually): stops what it hosts, then stops or rejoins. */
  private downSelf(reason: string): Promise<void> {
    const parts = this.parts;
    if (parts === undefined || this.downing !== undefined || this.state === "stopped") return this.downing ?? Promise.resolve();
    const run = async (): Promise<void> => {
      const { system, membership, detector, joiner, placement, resolver } = parts;
      const self = membership.self.member as Member;
      system.logger.warn({ member: self.name, reason }, "this node was downed: stopping what it hosts and leaving the cluster");
      this.emitter.publish(MemberDownedSchema, { address: memberAddress(self), name: self.name, reason });
      this.state = "stopping";
      detector.stop();
      joiner.stop();
      resolver.stop();
      await this.runBeforeLeave("downed", parts);
      await parts.placement.hosted.stopAll(() => true);
      await placement.stop();
      const rejoin = this.settings.downing.whenDowned === "rejoin" && system.isRunning;
      await this.close(parts, !rejoin);
      if (!rejoin) {
        // Not awaited: the system's stop stops this plugin too, which finds the cluster stopped already.
        void system.stop();
        return;
      }
      this.state = "new";
      this.parts = undefined;
      this.downing = undefined;
      this.stopping = undefined;
      this.rejoining = true;
      system.logger.info({ member: self.name }, "rejoining the cluster as a new run of this node");
      try {
        await this.start(system);
      } finally {
        this.rejoining = false;
      }
    };
    this.downing = run().catch((error: unknown) => parts.system.logger.error({ err: error }, "stopping after being downed failed"));
    return this.downing;
  }

  /** Downs live members `names` (this side of a split survives, or a manual down), and tells them so they stop. */
  private downMembers(names: readonly string[], reason: string): void {
    const parts = this.parts;
    if (parts === undefined) return;
    for (const name of names) {
      const member = parts.membership.get(name)?.member;
      if (member === undefined || !parts.membership.down(name)) continue;
      this.downings++;
      parts.system.logger.warn({ member: name, reason }, "downed a member");
      this.emitter.publish(MemberDownedSchema, { address: memberAddress(member), name, reason });
      const state = parts.membership.get(name);
      if (state !== undefined) parts.messenger.announce(member, [state]);
    }
  }

  /** Stops the run's parts; `finalClose` also deregisters from discovery and closes it (not when rejoining). */
  private async close(parts: Parts, finalClose: boolean): Promise<void> {
    const { system, membership, replica, transport, verifier } = parts;
    const log = system.logger;
    verifier.stop();
    membership.stop();
    replica.stop();
    const discovery = this.settings.discovery;
    await discovery
      .deregister()
      .catch((error: unknown) => log.info({ err: error }, "discovery deregister failed while leaving the cluster"));
    if (finalClose)
      await discovery.close().catch((error: unknown) => log.info({ err: error }, "discovery close failed while leaving the cluster"));
    await transport.close();
    this.state = "stopped";
    const previous = this.leaderState;
    this.leaderState = undefined;
    if (previous !== undefined) this.emitter.emit({ type: "leader-changed", leader: undefined, previous: toClusterMember(previous) });
  }

  private async runBeforeLeave(reason: LeaveReason, parts: Parts): Promise<void> {
    for (const listener of [...this.beforeLeaveListeners]) {
      try {
        await listener(reason);
      } catch (error) {
        parts.system.logger.error({ err: error }, "a before-leave listener failed");
      }
    }
  }

  // ---- incoming messages ----

  private receive(message: ClusterMessage, reply: ClusterReply | undefined): void {
    const parts = this.parts;
    if (parts === undefined || this.state === "stopped") return;
    handleClusterMessage(
      {
        parts,
        running: this.state === "running",
        duplicates: this.duplicates,
      },
      message,
      reply,
    );
  }

  // ---- membership changes ----

  private joined(state: MemberState, revived: boolean): void {
    const s = this.settings;
    if (revived) this.parts?.replica.holdPurges(s.suspicionTimeoutMs + 2 * s.probeIntervalMs);
    if (this.state === "running") this.parts?.system.logger.info({ member: state.member?.name, revived }, "member up");
    this.emitter.emit({ type: "member-joined", member: toClusterMember(state) });
    this.scheduleView();
  }

  private left(state: MemberState): void {
    this.parts?.placement.memberLeft();
    this.parts?.system.logger.info({ member: state.member?.name, status: toClusterMember(state).status }, "member down");
    this.emitter.emit({ type: "member-left", member: toClusterMember(state) });
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

  /** Brings the partition table, the leader and the singletons' places in line with membership now. */
  private refreshView(): void {
    const parts = this.parts;
    this.viewDirty = false;
    // While joining, the view is still partial; start() brings it up to date once the first exchange settled.
    if (parts === undefined || this.state === "starting" || this.state === "stopped") return;
    parts.replica.viewChanged();
    if (this.state === "running") parts.placement.leadersChanged();
    const leader = parts.membership.live()[0];
    const previous = this.leaderState;
    if (leader?.member?.uid === previous?.member?.uid) return;
    this.leaderState = leader;
    if (this.state === "running") parts.system.logger.info({ leader: leader?.member?.name }, "leader changed");
    this.emitter.emit({
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
    parts.verifier.sweep();
  }

  private running(operation: string): Parts {
    if (this.parts === undefined || this.state === "new") throw new ClusterNotRunningError(operation);
    return this.parts;
  }
}
