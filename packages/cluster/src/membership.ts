import type { Logger } from "@tsakt/actor";
import type { Clock } from "@tsakt/actor/internal";
import { type Member, type MemberState, MemberStatus } from "./gen/tsakt/cluster/v1/cluster_pb.js";
import type { GossipQueue } from "./gossip-queue.js";
import { isLaterRun, isLive, isOlder, stateOf } from "./member.js";
import { Suspicions } from "./suspicion.js";

/** What the membership tells its owner. */
export interface MembershipHooks {
  /** A member became live: it joined, or (`revived`) came back after being declared dead, as after a healed partition. */
  joined(state: MemberState, revived: boolean): void;
  /** A live member was declared dead, left, or was replaced by a later run of its process. */
  left(state: MemberState): void;
  /** This node refuted a suspicion about itself; its new alive state should spread fast. */
  refuted(state: MemberState): void;
  /** The set of members this node cannot reach (suspected for longer than suspicionTimeoutMs) changed, or a live member became suspect. */
  reachabilityChanged(): void;
  /** This node was downed (by another member's split-brain resolver, or cluster.down): it must stop. */
  downed(state: MemberState): void;
  /** Hearsay named a member (or a run of one) this node may accept only from the member itself: ask it directly. */
  unverified(member: Member): void;
  /** Another member suspects live member `state`: probe it now, so this node confirms the suspicion or helps clear it. */
  suspected?(state: MemberState): void;
}

/**
 * Where membership updates come from: this node's own decisions ("local"), or a message of member `from`, which is
 * `direct` when it answers a request this node sent to that member's address (its own word about itself).
 */
export type UpdateSource = "local" | { readonly from: Member; readonly direct: boolean };

/** Most a member's incarnation may rise at once on hearsay; a bigger jump is checked with the member itself. */
export const maxIncarnationStep = 16;

/** Largest incarnation (a uint32 on the wire). */
const maxIncarnation = 0xffffffff;

/** Timing the membership needs. */
export interface MembershipTiming {
  clock: Clock;
  /** Suspicion timeout once every expected member confirmed the suspicion (Lifeguard). */
  suspicionTimeoutMs: number;
  /** Suspicion timeout while only the first suspector suspects. Default: suspicionTimeoutMs. */
  suspicionMaxTimeoutMs?: number;
  /** This node's local health; suspicion timeouts are stretched by its multiplier. Default: none (not stretched). */
  health?: { readonly multiplier: number };
  deadMemberTtlMs: number;
}

/** How long a member only heard of counts as a rumor after hearsay last named it. */
const rumorTtlMs = 30_000;

/**
 * The SWIM member list: every member's status and incarnation, the update rules (higher incarnation wins; suspect
 * overrides alive at the same incarnation; dead and left override both, except that only this node's own
 * suspicion timer turns a live member dead), suspicion timers, and self-refutation.
 *
 * Who may say what (so that a buggy or hostile message changes nothing it should not): a sender that is not a live
 * member here is a stranger, and its news counts for nothing; a member enters the list, or a new run replaces an
 * earlier one, only on its own word in a direct exchange (hearsay about it triggers that exchange); and hearsay may
 * raise a member's incarnation by at most maxIncarnationStep at once.
 */
export class Membership {
  /** Members this node's failure detector marked suspect (for metrics). */
  suspected = 0;
  private readonly records = new Map<string, MemberState>();
  /** Members only hearsay named as live (not verified yet), and when it last did. */
  private readonly rumors = new Map<string, number>();
  private readonly since = new Map<string, number>();
  private readonly suspicions: Suspicions;
  /** uids of process runs known to be dead or gone, so the registry can drop what they owned. */
  private readonly departed = new Map<string, number>();
  private liveCache: MemberState[] | undefined = undefined;
  /** Names of live members whose suspicion timed out here: unreachable until they refute or are downed. */
  private readonly unreachableNames = new Set<string>();
  /** When each member (its current run) was last heard from: a message from it, or an ack of a probe of it. */
  private readonly heardAt = new Map<string, number>();
  private me: MemberState;
  private leaving = false;

  constructor(
    self: Member,
    private readonly timing: MembershipTiming,
    private readonly gossip: GossipQueue,
    private readonly hooks: MembershipHooks,
    private readonly logger: Logger,
  ) {
    this.me = stateOf(self, MemberStatus.ALIVE, 0);
    this.records.set(self.name, this.me);
    this.suspicions = new Suspicions({
      clock: timing.clock,
      suspicionTimeoutMs: timing.suspicionTimeoutMs,
      suspicionMaxTimeoutMs: Math.max(timing.suspicionTimeoutMs, timing.suspicionMaxTimeoutMs ?? timing.suspicionTimeoutMs),
      ...(timing.health === undefined ? {} : { health: timing.health }),
    });
  }

  /** This node's own state. */
  get self(): MemberState {
    return this.me;
  }

  /** The state of the named member (any status), or undefined when unknown. */
  get(name: string): MemberState | undefined {
    return this.records.get(name);
  }

  /** Every known state (alive, suspect, dead, left), for a full sync. */
  all(): MemberState[] {
    return [...this.records.values()];
  }

  /** Live members this node cannot reach: suspected for longer than suspicionTimeoutMs and not refuted. */
  unreachable(): ReadonlySet<string> {
    return this.unreachableNames;
  }

  /** True when `member` is the run of a live member this node knows (same name and uid). */
  isLiveMember(member: Member | undefined): boolean {
    if (member === undefined) return false;
    const known = this.records.get(member.name);
    return known !== undefined && known.member?.uid === member.uid && isLive(known);
  }

  /** Notes evidence that member `name` (its run `uid`) is reachable now: a message from it, or an ack of a probe of it. */
  heard(name: string, uid: string): void {
    if (this.records.get(name)?.member?.uid === uid) this.heardAt.set(name, this.timing.clock.now());
  }

  /**
   * Names that live members said are live members but that this node has not met (it could not verify them yet),
   * named within the last rumorTtlMs. The split-brain resolver counts them as members it cannot reach: a node that
   * rejoined during a partition must not take its partial list for the whole cluster.
   */
  rumored(): string[] {
    this.pruneRumors(this.timing.clock.now());
    return [...this.rumors.keys()];
  }

  /** When member `name` was last heard from (see heard); -Infinity when never. */
  lastHeard(name: string): number {
    return this.heardAt.get(name) ?? Number.NEGATIVE_INFINITY;
  }

  /** Marks a live member down (a downing decision); false when it is not a live member. */
  down(name: string): boolean {
    const current = this.records.get(name);
    if (current === undefined || !isLive(current) || name === this.me.member?.name) return false;
    this.accept(stateOf(current.member as Member, MemberStatus.DOWN, current.incarnation), current);
    return true;
  }

  /** Live members (alive or suspect), this node included, oldest first; the same array until a state changes. */
  live(): readonly MemberState[] {
    if (this.liveCache === undefined) {
      const list = [...this.records.values()].filter(isLive);
      list.sort((a, b) => (isOlder(a.member as Member, b.member as Member) ? -1 : 1));
      this.liveCache = list;
    }
    return this.liveCache;
  }

  /** True when the run (`uid`, started at `startedAtMs`) of member `name` is dead, departed, or replaced by a later run. */
  isGone(name: string, uid: string, startedAtMs: number): boolean {
    if (this.departed.has(uid)) return true;
    const known = this.records.get(name)?.member;
    return known !== undefined && known.uid !== uid && isLaterRun(known, { uid, startedAtMs });
  }

  /**
   * Applies updates from `source`. From a direct exchange, what the answering member says about itself comes first
   * and is taken at its word; everything else is hearsay, which counts only from a live member.
   */
  applyAll(updates: readonly MemberState[], source: UpdateSource): void {
    if (source === "local") {
      for (const update of updates) this.apply(update, "local");
      return;
    }
    const from = source.from;
    const own = (u: MemberState): boolean => source.direct && u.member?.name === from.name && u.member.uid === from.uid;
    for (const update of updates) if (own(update)) this.apply(update, source);
    // A stranger's news about others counts for nothing.
    if (!this.isLiveMember(from)) return;
    const hearsay = { from, direct: false };
    for (const update of updates) if (!own(update)) this.apply(update, hearsay);
  }

  /** Applies one update under SWIM's rules and the rules on who may say what; accepted updates are queued for dissemination. */
  apply(update: MemberState, source: UpdateSource): void {
    const member = update.member;
    if (member === undefined || member.name.length === 0 || update.status === MemberStatus.UNSPECIFIED) return;
    if (source !== "local" && !source.direct && !this.isLiveMember(source.from)) return;
    if (member.name === this.me.member?.name) return this.applyToSelf(update);
    // Direct means the member's own word about itself, nothing it says about others.
    const direct = source === "local" || (source.direct && source.from.name === member.name && source.from.uid === member.uid);
    const current = this.records.get(member.name);
    if (current === undefined) {
      // A member joins on its own word; hearsay of one this node never met only makes it ask.
      if (direct) return this.accept(update, undefined);
      if (isLive(update)) {
        this.rumors.set(member.name, this.timing.clock.now());
        this.hooks.unverified(member);
      } else this.rumors.delete(member.name);
      return;
    }
    const known = current.member as Member;
    if (known.uid !== member.uid) {
      // Two runs of one node name: the later run replaces the earlier, which is gone for good. Only the new run
      // itself says it exists (its answer may replace an earlier run that is no longer live, whatever its start time).
      if (!direct) {
        if (isLaterRun(member, known)) this.hooks.unverified(member);
        return;
      }
      if (!isLaterRun(member, known) && isLive(current)) return;
      this.markDeparted(known.uid);
      if (isLive(current)) this.accept(stateOf(known, MemberStatus.DEAD, current.incarnation), current, false);
      return this.accept(update, undefined);
    }
    if (!direct && update.incarnation > current.incarnation + maxIncarnationStep) {
      this.hooks.unverified(member);
      return;
    }
    if (update.status === MemberStatus.DOWN) {
      // A downing decision is final for this run, whatever the incarnation.
      if (current.status !== MemberStatus.DOWN && current.status !== MemberStatus.LEFT) this.accept(update, current);
      return;
    }
    if (update.status === MemberStatus.DEAD && isLive(current)) {
      // Only this node's own suspicion timer declares a member dead here; a death claim from elsewhere (say, gossip
      // from the far side of a healing partition) makes it suspect, so it has suspicionTimeoutMs to refute before
      // anything it owns is purged.
      const suspect = suspectState(member, update.incarnation, source === "local" ? "" : source.from.name);
      if (supersedes(suspect, current)) this.accept(suspect, current);
      else this.confirm(suspect, current);
      return;
    }
    if (supersedes(update, current)) this.accept(update, current);
    else if (update.status === MemberStatus.SUSPECT) this.confirm(update, current);
  }

  /**
   * Marks a member suspect after a failed probe, if nothing changed about it since the probe started; a member
   * suspect already at that incarnation gets this node's confirmation (which shortens its suspicion timeout).
   */
  suspect(name: string, uid: string, incarnation: number): void {
    const current = this.records.get(name);
    if (!(current !== undefined && isLive(current)) || current.member?.uid !== uid || current.incarnation !== incarnation) return;
    const suspect = suspectState(current.member, incarnation, this.me.member?.name ?? "");
    if (current.status === MemberStatus.SUSPECT) return this.confirm(suspect, current);
    this.suspected++;
    this.apply(suspect, "local");
  }

  /** Counts `update` (suspect, by its suspectedBy) as a confirmation of the running suspicion `current`; spreads it when new. */
  private confirm(update: MemberState, current: MemberState): void {
    const member = update.member as Member;
    if (current.status !== MemberStatus.SUSPECT || current.incarnation !== update.incarnation) return;
    if (this.suspicions.confirm(member.name, member.uid, update.suspectedBy)) this.gossip.enqueue(update);
  }

  /** Marks this node as leaving (status left, incarnation bumped so it overrides everything said about it). */
  leave(): MemberState {
    this.leaving = true;
    this.me = stateOf(this.me.member as Member, MemberStatus.LEFT, this.me.incarnation + 1);
    this.records.set(this.me.member?.name ?? "", this.me);
    this.liveCache = undefined;
    this.gossip.enqueue(this.me);
    return this.me;
  }

  /** Forgets dead and departed members older than deadMemberTtlMs. */
  prune(now: number): void {
    for (const [name, state] of this.records) {
      if (isLive(state) || state === this.me) continue;
      if (now - (this.since.get(name) ?? now) > this.timing.deadMemberTtlMs) {
        this.records.delete(name);
        this.since.delete(name);
        this.heardAt.delete(name);
      }
    }
    for (const [uid, at] of this.departed) if (now - at > this.timing.deadMemberTtlMs) this.departed.delete(uid);
    this.pruneRumors(now);
  }

  /** Forgets rumors older than rumorTtlMs and those about members this node has met since. */
  private pruneRumors(now: number): void {
    for (const [name, at] of this.rumors) if (now - at > rumorTtlMs || this.records.has(name)) this.rumors.delete(name);
  }

  /** Cancels suspicion timers. */
  stop(): void {
    this.suspicions.stop();
  }

  private applyToSelf(update: MemberState): void {
    const self = this.me.member as Member;
    if (update.member?.uid !== self.uid) {
      // Gossip about an earlier run of this node: say we are back, so the others replace it.
      if (isLaterRun(self, update.member as Member) && isLive(update)) this.gossip.enqueue(this.me);
      else if (isLive(update))
        this.logger.error({ member: self.name }, "another live process uses this node's name; give every node a unique name");
      return;
    }
    if (update.status === MemberStatus.DOWN) {
      if (this.me.status === MemberStatus.DOWN || this.me.status === MemberStatus.LEFT) return;
      this.me = stateOf(self, MemberStatus.DOWN, this.me.incarnation);
      this.records.set(self.name, this.me);
      this.liveCache = undefined;
      this.hooks.downed(this.me);
      return;
    }
    if (this.leaving || update.status === MemberStatus.ALIVE || update.incarnation < this.me.incarnation) return;
    // Someone suspects us or declared us dead: refute with a higher incarnation (which stays a uint32).
    this.me = stateOf(self, MemberStatus.ALIVE, Math.min(update.incarnation + 1, maxIncarnation));
    this.records.set(self.name, this.me);
    this.liveCache = undefined;
    this.gossip.enqueue(this.me);
    this.hooks.refuted(this.me);
  }

  private accept(update: MemberState, previous: MemberState | undefined, spread = true): void {
    const member = update.member as Member;
    this.records.set(member.name, update);
    this.rumors.delete(member.name);
    this.since.set(member.name, this.timing.clock.now());
    if (spread) this.gossip.enqueue(update);
    const wasLive = previous !== undefined && isLive(previous);
    const nowLive = isLive(update);
    if (update.status === MemberStatus.SUSPECT) this.startSuspicion(member, update.suspectedBy);
    else this.suspicions.cancel(member.name);
    // Reachable again (it refuted) or no longer a member: either way it leaves the unreachable set. A new suspicion
    // counts too: the split-brain resolver starts looking for evidence about the others at once.
    const reachabilityChanged =
      (update.status === MemberStatus.SUSPECT && previous?.status === MemberStatus.ALIVE) ||
      (update.status !== MemberStatus.SUSPECT && this.unreachableNames.delete(member.name));
    this.liveCache = undefined;
    if (nowLive) this.departed.delete(member.uid);
    else this.markDeparted(member.uid);
    if (!wasLive && nowLive) this.hooks.joined(update, previous !== undefined);
    else if (wasLive && !nowLive) this.hooks.left(update);
    if (reachabilityChanged) this.hooks.reachabilityChanged();
    if (update.status === MemberStatus.SUSPECT && update.suspectedBy !== this.me.member?.name) this.hooks.suspected?.(update);
  }

  private markDeparted(uid: string): void {
    if (!this.departed.has(uid)) this.departed.set(uid, this.timing.clock.now());
  }

  private startSuspicion(member: Member, by: string): void {
    // Members that could confirm: every live one but the suspect and the first suspector.
    const expected = this.live().length - 2;
    this.suspicions.start(member.name, member.uid, by, expected, () => {
      const current = this.records.get(member.name);
      // Unreachable, not dead: the downing strategy decides, once membership is stable, which side goes.
      if (current?.status === MemberStatus.SUSPECT && current.member?.uid === member.uid && !this.unreachableNames.has(member.name)) {
        this.unreachableNames.add(member.name);
        this.hooks.reachabilityChanged();
      }
    });
  }
}

/** A suspect state of `member` raised or confirmed by member `by`. */
function suspectState(member: Member, incarnation: number, by: string): MemberState {
  const state = stateOf(member, MemberStatus.SUSPECT, incarnation);
  state.suspectedBy = by;
  return state;
}

/** SWIM's precedence between an update and the current state of the same process run. */
function supersedes(update: MemberState, current: MemberState): boolean {
  const inc = update.incarnation;
  switch (update.status) {
    case MemberStatus.ALIVE:
      // A left member never comes back under the same run; a dead one does, by refuting with a higher incarnation.
      return current.status !== MemberStatus.LEFT && current.status !== MemberStatus.DOWN && inc > current.incarnation;
    case MemberStatus.SUSPECT:
      return (
        (current.status === MemberStatus.ALIVE && inc >= current.incarnation) ||
        (current.status === MemberStatus.SUSPECT && inc > current.incarnation)
      );
    case MemberStatus.DEAD:
      return isLive(current) && inc >= current.incarnation;
    case MemberStatus.LEFT:
      return current.status !== MemberStatus.LEFT && current.status !== MemberStatus.DOWN && inc >= current.incarnation;
    default:
      return false;
  }
}
