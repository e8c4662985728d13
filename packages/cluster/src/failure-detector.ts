import { create } from "@bufbuild/protobuf";
import { type Clock, every } from "@tsakt/actor/internal";
import {
  AckSchema,
  type Member,
  type MemberState,
  MemberStatus,
  NackSchema,
  PingReqSchema,
  PingSchema,
} from "./gen/tsakt/cluster/v1/cluster_pb.js";
import type { LocalHealth } from "./local-health.js";
import { isLive } from "./member.js";
import type { Membership } from "./membership.js";
import type { Messenger } from "./messenger.js";
import { shuffle } from "./shuffle.js";
import type { ClusterReply } from "./transport.js";

/** Timing and fan-out of the failure detector. */
export interface DetectorSettings {
  clock: Clock;
  /** This node's local health; probe timeouts are stretched by its multiplier. */
  health: LocalHealth;
  probeIntervalMs: number;
  pingTimeoutMs: number;
  indirectChecks: number;
  /** Lifeguard confirmations are on (suspicionMaxTimeoutMs above suspicionTimeoutMs): tell the helpers of a failed probe, and remember failed indirect pings. Default: off. */
  lifeguard?: boolean;
}

/**
 * SWIM failure detection: every probe interval, ping the next member of a shuffled round (so each member is probed
 * at least once per round), ask `indirectChecks` others to ping it when the direct ping times out, and suspect it when
 * nobody got an ack before the interval ends.
 */
export class FailureDetector {
  private order: string[] = [];
  private next = 0;
  private cancelTimer: (() => void) | undefined = undefined;
  private lastTick = 0;
  /** Until then, failed probes are not evidence: this node's event loop was late. */
  private staleUntil = 0;
  /** Members being probed now. */
  private readonly probing = new Set<string>();
  /** Members this node failed to reach for another member's indirect probe: their run's uid, and when. */
  private readonly failedFor = new Map<string, { uid: string; at: number }>();

  constructor(
    private readonly membership: Membership,
    private readonly messenger: Messenger,
    private readonly settings: DetectorSettings,
  ) {}

  /** Starts probing. */
  start(): void {
    if (this.cancelTimer !== undefined) return;
    this.lastTick = this.settings.clock.now();
    this.cancelTimer = every(this.settings.clock, this.settings.probeIntervalMs, () => this.tick());
  }

  /** Stops probing; probes in flight finish without effect. */
  stop(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  /** Answers a PingReq: probes the target on the asker's behalf and replies Ack or Nack. */
  async probeFor(target: Member, reply: ClusterReply): Promise<void> {
    let ok = false;
    try {
      await this.messenger.request(
        target,
        { case: "ping", value: create(PingSchema, { targetUid: target.uid }) },
        this.settings.pingTimeoutMs,
        true,
      );
      ok = true;
    } catch {
      // No ack in time: answer Nack so the asker need not wait for its own timeout.
      if (this.settings.lifeguard === true) this.failedFor.set(target.name, { uid: target.uid, at: this.settings.clock.now() });
    }
    reply(
      this.messenger.message(ok ? { case: "ack", value: create(AckSchema) } : { case: "nack", value: create(NackSchema) }, true, target),
    );
  }

  /**
   * Another member suspects live member `state`: this node confirms at once when it failed to reach that run for an
   * indirect probe within the last probe interval (the evidence is its own), and otherwise probes it now.
   */
  checkSuspicion(state: MemberState): void {
    const member = state.member as Member;
    const failed = this.failedFor.get(member.name);
    this.failedFor.delete(member.name);
    if (failed?.uid === member.uid && this.settings.clock.now() - failed.at <= this.settings.probeIntervalMs)
      this.membership.suspect(member.name, member.uid, state.incarnation);
    else this.probeNow(member.name);
  }

  /** Probes member `name` now, out of turn (the split-brain resolver wants fresh evidence of it); no-op while one runs. */
  probeNow(name: string): void {
    const state = this.membership.get(name);
    if (this.cancelTimer === undefined || this.probing.has(name) || state === undefined || !isLive(state)) return;
    void this.probe(state);
  }

  private tick(): void {
    const { clock, probeIntervalMs, pingTimeoutMs, health } = this.settings;
    const now = clock.now();
    // A tick that fires late means this node's event loop was busy: its probes' timeouts are not evidence then.
    const late = now - this.lastTick - probeIntervalMs > pingTimeoutMs;
    this.lastTick = now;
    if (late) {
      health.worse();
      this.staleUntil = now + probeIntervalMs;
    }
    const target = this.nextTarget();
    if (target !== undefined) void this.probe(target);
  }

  private nextTarget(): MemberState | undefined {
    const selfName = this.membership.self.member?.name;
    for (let round = 0; round < 2; round++) {
      while (this.next < this.order.length) {
        const state = this.membership.get(this.order[this.next++] as string);
        if (state !== undefined && isLive(state)) return state;
      }
      this.order = shuffle(
        this.membership
          .live()
          .map((s) => s.member?.name ?? "")
          .filter((n) => n !== selfName),
      );
      this.next = 0;
      if (this.order.length === 0) return undefined;
    }
    return undefined;
  }

  private async probe(target: MemberState): Promise<void> {
    const name = target.member?.name ?? "";
    this.probing.add(name);
    try {
      await this.probeOnce(target);
    } finally {
      this.probing.delete(name);
    }
  }

  private async probeOnce(target: MemberState): Promise<void> {
    const member = target.member as Member;
    const { clock, health } = this.settings;
    const multiplier = health.multiplier;
    const pingTimeoutMs = this.settings.pingTimeoutMs * multiplier;
    const ping = { case: "ping", value: create(PingSchema, { targetUid: member.uid }) } as const;
    const started = clock.now();
    try {
      await this.messenger.request(member, ping, pingTimeoutMs, true);
      health.better();
      return;
    } catch {
      // Fall through to indirect probes.
    }
    if (this.cancelTimer === undefined) return;
    const helpers = this.helpers(member.name);
    if (helpers.length > 0) {
      const waitMs = Math.max(1, (this.settings.probeIntervalMs - this.settings.pingTimeoutMs) * multiplier);
      const asks = helpers.map((h) =>
        this.messenger
          .request(h.member as Member, { case: "pingReq", value: create(PingReqSchema, { target: member }) }, waitMs, true)
          .then((reply) => reply.body.case === "ack"),
      );
      if (await anyTrue(asks)) {
        // Reached through another member: alive, as SWIM counts it (an asymmetric cut is not a partition).
        this.membership.heard(member.name, member.uid);
        return;
      }
    }
    if (this.cancelTimer === undefined) return;
    // A new failure counts against this node's health; probing a member already suspected tells nothing new.
    if (target.status === MemberStatus.ALIVE) health.worse();
    // This node's own loop stalled while the probe ran (its timers fired far too late): no verdict this round.
    const budget = pingTimeoutMs + Math.max(1, (this.settings.probeIntervalMs - this.settings.pingTimeoutMs) * multiplier);
    if (clock.now() - started > 2 * budget || clock.now() < this.staleUntil) return;
    this.membership.suspect(member.name, member.uid, target.incarnation);
    // Tell the suspect right away, so it has the whole suspicion timeout to refute, and with Lifeguard on the helpers,
    // whose own pings just failed too: they confirm at once (without waiting for gossip to reach them).
    const now = this.membership.get(member.name);
    if (now?.status !== MemberStatus.SUSPECT || now.member?.uid !== member.uid) return;
    const confirmers = this.settings.lifeguard === true ? helpers.map((h) => h.member as Member) : [];
    for (const to of [member, ...confirmers]) this.messenger.announce(to, [now]);
  }

  /** Up to indirectChecks random live members other than this node and the target. */
  private helpers(targetName: string): MemberState[] {
    const selfName = this.membership.self.member?.name;
    const candidates = this.membership.live().filter((s) => s.member?.name !== targetName && s.member?.name !== selfName);
    return shuffle(candidates).slice(0, this.settings.indirectChecks);
  }
}

/** Resolves true as soon as one promise resolves true; false once all resolved false or rejected. */
function anyTrue(promises: Promise<boolean>[]): Promise<boolean> {
  return new Promise((resolve) => {
    let pending = promises.length;
    const settle = (ok: boolean): void => {
      if (ok) resolve(true);
      else if (--pending === 0) resolve(false);
    };
    for (const p of promises) p.then(settle, () => settle(false));
  });
}
