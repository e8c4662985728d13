import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import type { ActorSystem } from "@tsakt/actor";
import { FailureDetector } from "./failure-detector.js";
import { MemberSchema, type MemberState } from "./gen/tsakt/cluster/v1/cluster_pb.js";
import { GossipQueue } from "./gossip-queue.js";
import { Joiner } from "./joiner.js";
import { LocalHealth } from "./local-health.js";
import type { ClusterMember } from "./member.js";
import { Membership, type MembershipHooks } from "./membership.js";
import { Messenger } from "./messenger.js";
import type { ClusterSettings } from "./options.js";
import { ActorPlacement } from "./placement/placement.js";
import { Registry } from "./registry.js";
import { type ConflictListener, type OwnerLostListener, RegistryReplica } from "./registry-replica.js";
import { type ResolverActions, SplitBrainResolver } from "./sbr/resolver.js";
import type { ClusterTransport } from "./transport.js";
import { MemberVerifier } from "./verifier.js";

/** The running parts of a started cluster. */
export interface Parts {
  readonly system: ActorSystem;
  readonly transport: ClusterTransport;
  readonly membership: Membership;
  readonly messenger: Messenger;
  readonly detector: FailureDetector;
  readonly joiner: Joiner;
  readonly replica: RegistryReplica;
  readonly registry: Registry;
  readonly placement: ActorPlacement;
  readonly resolver: SplitBrainResolver;
  readonly verifier: MemberVerifier;
}

/** What the parts call back into the cluster. */
export interface PartsOwner {
  readonly hooks: Omit<MembershipHooks, "reachabilityChanged" | "unverified">;
  readonly resolverActions: ResolverActions;
  readonly ownerLost: ReadonlySet<OwnerLostListener>;
  readonly conflicts: ReadonlySet<ConflictListener>;
  refreshView(): void;
  housekeeping(): void;
  /** True while the cluster runs on this node (any run). */
  isRunning(): boolean;
  /** The parts of the run the cluster runs now; undefined between runs. */
  current(): Parts | undefined;
  members(): ClusterMember[];
  self(): ClusterMember;
  leader(role?: string): ClusterMember | undefined;
}

/** Builds a run of the cluster on `transport`: a new member (fresh uid) with its membership, registry and placement. */
export function buildParts(system: ActorSystem, transport: ClusterTransport, s: ClusterSettings, owner: PartsOwner): Parts {
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
  const health = new LocalHealth();
  // Lifeguard confirmations only when opted in (suspicionMaxTimeoutMs above suspicionTimeoutMs); off, detection
  // behaves exactly as plain SWIM with a fixed suspicion timeout.
  const lifeguard = s.suspicionMaxTimeoutMs > s.suspicionTimeoutMs;
  const timing = { ...s, health, lifeguard };
  let resolver: SplitBrainResolver | undefined;
  let verifier: MemberVerifier | undefined;
  const hooks: MembershipHooks = {
    joined: (m: MemberState, revived: boolean) => {
      resolver?.changed();
      owner.hooks.joined(m, revived);
    },
    left: (m: MemberState) => {
      resolver?.changed();
      owner.hooks.left(m);
    },
    refuted: (m: MemberState) => {
      // Others suspected this node: likely it is the slow one.
      health.worse();
      owner.hooks.refuted(m);
    },
    reachabilityChanged: () => resolver?.changed(),
    downed: (m: MemberState) => owner.hooks.downed(m),
    unverified: (m) => verifier?.verify(m),
    // Lifeguard: check a suspicion heard from another member at once, to confirm it (a shorter timeout) or refute it.
    suspected: (m: MemberState) => {
      if (lifeguard) detector?.checkSuspicion(m);
    },
  };
  // Suspicion timeouts are not stretched by local health: a minority whose probes fail must still find the majority
  // unreachable in time (sbr-evidence.test.ts).
  const membership = new Membership(self, s, gossip, hooks, logger);
  let detector: FailureDetector | undefined;
  let placement: ActorPlacement | undefined;
  // A member silent for a probe round and a suspicion timeout counts as cut off in the losing check: the other side
  // could not have found this one unreachable sooner.
  const silenceMs = s.probeIntervalMs + s.suspicionTimeoutMs;
  const probe = (name: string) => detector?.probeNow(name);
  resolver = new SplitBrainResolver(s.downing, s.clock, membership, owner.resolverActions, logger, probe, silenceMs);
  const messenger = new Messenger(transport, membership, gossip);
  const replica = new RegistryReplica({
    settings: s,
    membership,
    messenger,
    logger,
    refreshView: () => owner.refreshView(),
    ownerLost: owner.ownerLost,
    keepsWhenLost: (entry) => placement?.keepsWhenLost(entry) ?? false,
    conflicts: owner.conflicts,
  });
  // A run's parts serve only while it is the current run: after the node rejoined as a new run, an old run's
  // registry and placement would act on a membership that no longer changes.
  let parts: Parts | undefined;
  const running = () => owner.isRunning() && parts !== undefined && owner.current() === parts;
  const registry = new Registry(replica, membership, messenger, s, running);
  detector = new FailureDetector(membership, messenger, timing);
  const joiner = new Joiner(s.discovery, membership, messenger, s, logger, () => owner.housekeeping());
  verifier = new MemberVerifier(s.clock, s.joinTimeoutMs, (m) => joiner.verifyWith(m));
  placement = new ActorPlacement({
    system,
    settings: s,
    registry: () => registry,
    members: () => owner.members(),
    self: () => owner.self(),
    leader: (role) => owner.leader(role),
    isRunning: running,
    successor: () => {
      const current = owner.current();
      return current !== undefined && current !== parts ? current.placement : undefined;
    },
  });
  parts = { system, transport, membership, messenger, detector, joiner, replica, registry, placement, resolver, verifier };
  return parts;
}
