import type { Logger } from "@tsakt/actor";
import { type Clock, every, sleep } from "@tsakt/actor/internal";
import { type Member, MemberStatus } from "../gen/tsakt/cluster/v1/cluster_pb.js";
import type { Membership } from "../membership.js";
import type { DowningSettings } from "./options.js";
import { decide, decideWithLease, type SbrDecision, type SbrView, sidesOf } from "./strategies.js";

/** What the resolver does once it decided. */
export interface ResolverActions {
  /** This side survives: down these members (after the removal margin). */
  downMembers(names: readonly string[], reason: string): void;
  /** This side loses: stop what this node hosts, then stop or rejoin. */
  downSelf(reason: string): void;
  /**
   * Reports the decision (event stream, logs); `evidence` names the unreachable members counted for their silence or
   * only heard of (rumored), the rest the failure detector found.
   */
  decided(decision: SbrDecision, reachable: readonly string[], unreachable: readonly string[], evidence: SbrEvidence): void;
}

/** Why members counted as unreachable besides the failure detector's verdict (see ResolverActions.decided). */
export interface SbrEvidence {
  /** Live members not heard from for silenceMs (the losing check only). */
  readonly silent: readonly string[];
  /** Members only heard of, never met (the losing check only). */
  readonly rumored: readonly string[];
}

const noEvidence: SbrEvidence = { silent: [], rumored: [] };

/**
 * `view` with the members only heard of (`rumored`) added, youngest, as unreachable (`unreachable`, the losing
 * check's pessimism) or reachable.
 */
function withRumored(view: SbrView, rumored: readonly string[], unreachable = true): SbrView {
  if (rumored.length === 0) return view;
  return {
    self: view.self,
    members: [...view.members, ...rumored.map((name) => ({ name, roles: [] as string[] }))],
    unreachable: unreachable ? new Set([...view.unreachable, ...rumored]) : view.unreachable,
  };
}

/**
 * The split-brain resolver of one node: watches reachability, and once membership has not changed for
 * stableAfterMs while some members are unreachable, decides by the strategy which side survives.
 */
export class SplitBrainResolver {
  private lastChangeAt: number;
  /** Since when, without a break, every check found this side losing (undefined: it was not, last check). */
  private losingSince: number | undefined = undefined;
  private generation = 0;
  private deciding = false;
  private cancelTick: (() => void) | undefined = undefined;
  private stopped = false;
  private lastCheckAt: number;
  /** Time between checks: a quarter of stableAfterMs, at most 500 ms, at least 10 ms. */
  private readonly tickMs: number;

  constructor(
    private readonly settings: DowningSettings,
    private readonly clock: Clock,
    private readonly membership: Membership,
    private readonly actions: ResolverActions,
    private readonly logger: Logger,
    /** Asks for a probe of a member now (fresh evidence that it is reachable). */
    private readonly confirm: (name: string) => void = () => {},
    /**
     * Silence after which a member counts as cut off in the losing check, whatever the failure detector found yet.
     * Default: Infinity (only the detector's verdicts count).
     */
    private readonly silenceMs = Number.POSITIVE_INFINITY,
  ) {
    this.lastChangeAt = clock.now();
    this.lastCheckAt = this.lastChangeAt;
    this.tickMs = Math.max(10, Math.min(500, Math.floor(settings.stableAfterMs / 4)));
  }

  /** Starts watching: a check every quarter of stableAfterMs (at most every 500 ms, at least every 10 ms). */
  start(): void {
    if (this.cancelTick !== undefined) return;
    this.lastCheckAt = this.clock.now();
    this.cancelTick = every(this.clock, this.tickMs, () => void this.check());
  }

  stop(): void {
    this.stopped = true;
    this.cancelTick?.();
    this.cancelTick = undefined;
  }

  /** Membership or reachability changed: the stability clock restarts and any pending decision is dropped. */
  changed(): void {
    this.lastChangeAt = this.clock.now();
    this.generation++;
  }

  private view(): SbrView {
    const members = this.membership.live().map((s) => {
      const m = s.member as Member;
      return { name: m.name, roles: m.roles };
    });
    return { self: this.membership.self.member?.name ?? "", members, unreachable: this.membership.unreachable() };
  }

  /**
   * The members this side would count as reachable without evidence for it: merely suspect, or not heard from since
   * `since` (the last change). A member cut off together with the unreachable ones may just not have been probed
   * yet. Those not heard from are probed now (out of turn), so evidence comes within one probe, not a probe round.
   */
  private unconfirmed(since: number, unreachable: ReadonlySet<string>): Set<string> {
    const self = this.membership.self.member?.name;
    const unknown = new Set<string>();
    for (const state of this.membership.live()) {
      const name = state.member?.name ?? "";
      if (name === self || unreachable.has(name)) continue;
      if (state.status === MemberStatus.SUSPECT) unknown.add(name);
      else if (this.membership.lastHeard(name) < since) {
        unknown.add(name);
        this.confirm(name);
      }
    }
    return unknown;
  }

  /**
   * True when the strategy decides the same whichever side the unconfirmed members are on: counting one of them on
   * this side could make a minority believe it is the majority, so without evidence the decision must not depend on
   * them. (A minority node whose partner went silent after downing itself need not wait to find it unreachable.)
   * lease-majority asks its lease on the decision, so it waits for evidence of every member.
   */
  private certain(view: SbrView, unknown: ReadonlySet<string>): boolean {
    if (unknown.size === 0) return true;
    if (this.settings.strategy === "lease-majority") return false;
    const pessimistic = { ...view, unreachable: new Set([...view.unreachable, ...unknown]) };
    return decide(view, this.settings) === decide(pessimistic, this.settings);
  }

  /**
   * Live members not heard from for silenceMs, probed now. A side cut off hears nothing from the other from the
   * moment of the cut, while its failure detector may find it late: Lifeguard stretches the probe timeouts of a node
   * whose probes keep failing, which is exactly the minority's case. Silence is what the other side's detection
   * started from too, so it keeps the losing side's clock within the other side's removal margin.
   */
  private silent(now: number): Set<string> {
    const silent = this.silentMembers(now);
    for (const name of silent) this.confirm(name);
    return silent;
  }

  /** Live members other than this node not heard from for silenceMs (none when silence is not used). */
  private silentMembers(now: number): Set<string> {
    const silent = new Set<string>();
    if (this.silenceMs === Number.POSITIVE_INFINITY) return silent;
    const self = this.membership.self.member?.name;
    for (const state of this.membership.live()) {
      const name = state.member?.name ?? "";
      if (name !== self && now - this.membership.lastHeard(name) >= this.silenceMs) silent.add(name);
    }
    return silent;
  }

  /** True when some live member has been silent for silenceMs: this node may be on a side that is cut off. */
  cutOff(): boolean {
    return this.silentMembers(this.clock.now()).size > 0;
  }

  private async check(): Promise<void> {
    if (this.stopped || this.deciding) return;
    const now = this.clock.now();
    // This node's own loop stalled (its check came far too late): messages may be waiting unread, so silence is no
    // evidence this time, and a losing streak must be seen again on fresh input.
    const stalled = now - this.lastCheckAt > this.tickMs + this.settings.stableAfterMs;
    this.lastCheckAt = now;
    if (stalled) this.losingSince = undefined;
    const silent = stalled ? new Set<string>() : this.silent(now);
    const unreachable = this.membership.unreachable();
    if (unreachable.size === 0 && silent.size === 0 && !this.membership.live().some((s) => s.status === MemberStatus.SUSPECT)) {
      this.losingSince = undefined;
      return;
    }
    // Evidence is gathered from the first suspicion on, while the view settles, so it is there when stableAfterMs is
    // up: the members cut off with a suspect one are probed at once instead of in their turn.
    const unknown = this.unconfirmed(this.lastChangeAt, unreachable);
    // Losing is the side that must act in time: the other side re-creates what this one hosts once its own
    // stableAfterMs and the removal margin are up. Changes that leave this side losing (its partner downing itself, a
    // further suspicion) do not restart its clock; only a view in which it would not lose does. Members silent for
    // silenceMs count as cut off here (not in the decision to down others).
    const rumored = this.membership.rumored();
    const base = this.view();
    const current = withRumored({ ...base, unreachable: new Set([...base.unreachable, ...silent]) }, rumored);
    const losing = this.settings.strategy !== "lease-majority" && decide(current, this.settings) === "down-self";
    if (!losing) this.losingSince = undefined;
    else {
      this.losingSince ??= Math.max(this.lastChangeAt, now - this.tickMs);
      if (now - this.losingSince >= this.settings.stableAfterMs) {
        this.act("down-self", current, { silent: [...silent], rumored });
        return;
      }
    }
    if (unreachable.size === 0) return;
    if (now - this.lastChangeAt < this.settings.stableAfterMs) return;
    const generation = this.generation;
    // Members only heard of count on neither side until met: the decision must hold with them on either.
    const view = withRumored(base, rumored, false);
    for (const name of rumored) unknown.add(name);
    if (!this.certain(view, unknown)) return;
    this.deciding = true;
    try {
      const decision =
        this.settings.strategy === "lease-majority"
          ? await decideWithLease(view, this.settings, (ms) => sleep(this.clock, ms))
          : decide(view, this.settings);
      // Membership moved while the lease was being asked for: decide again on the new view.
      if (this.stopped || generation !== this.generation) return;
      const others = this.act(decision, view);
      if (decision === "down-self") return;
      const reason = `split-brain-resolver:${this.settings.strategy}`;
      // Give the other side time to stop what it hosts before this side re-creates it.
      await sleep(this.clock, this.settings.downRemovalMarginMs);
      if (this.stopped || generation !== this.generation) {
        this.logger.info({ unreachable: others }, "membership changed during the removal margin; deciding again");
        return;
      }
      this.actions.downMembers(others, reason);
    } finally {
      this.deciding = false;
    }
  }

  /** Reports `decision` on `view`, and downs this node when it loses. Returns the names on the other side. */
  private act(decision: SbrDecision, view: SbrView, evidence = noEvidence): string[] {
    const sides = sidesOf(view, undefined).all;
    const others = sides.unreachable.map((m) => m.name);
    this.actions.decided(
      decision,
      sides.reachable.map((m) => m.name),
      others,
      evidence,
    );
    if (decision === "down-self") {
      this.stop();
      this.actions.downSelf(`split-brain-resolver:${this.settings.strategy}`);
    }
    return others;
  }
}
