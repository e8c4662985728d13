import type { Clock } from "@tsakt/actor/internal";
import type { Member } from "./gen/tsakt/cluster/v1/cluster_pb.js";
import type { MemberAddress } from "./transport.js";

/** Most verifications in flight at once. */
const concurrency = 4;
/** Most verifications waiting; more are dropped (hearsay repeats, and anti-entropy syncs catch up). */
const queueLimit = 64;
/** Verifications of senders this node does not know, per second (a flood of strangers must not keep it dialing). */
const strangersPerSecond = 16;

interface Job {
  readonly member: MemberAddress;
  readonly done: Array<(ok: boolean) => void>;
}

/**
 * Checks members this node heard of with the members themselves: a bounded queue of direct syncs (a few at a time,
 * once per cooldown per name), for hearsay of a new member or run, for senders it does not know, and for registry
 * requests from them. `sync` is the exchange (Joiner.syncWith); it applies what the member says about itself.
 */
export class MemberVerifier {
  private readonly queue: Job[] = [];
  private readonly byName = new Map<string, Job>();
  private readonly lastTried = new Map<string, number>();
  private running = 0;
  private idle: Array<() => void> = [];
  private strangerTokens = strangersPerSecond;
  private refilledAt: number;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly cooldownMs: number,
    private readonly sync: (member: MemberAddress) => Promise<boolean>,
  ) {
    this.refilledAt = clock.now();
  }

  /** Syncs with `member` (soon, once per cooldown), because a live member's hearsay named it. */
  verify(member: Member | MemberAddress): void {
    void this.enqueue(member, false);
  }

  /** Syncs with a sender this node does not know; resolves true when it answered, within a budget for strangers. */
  stranger(member: Member | MemberAddress): Promise<boolean> {
    return this.enqueue(member, true);
  }

  /** Resolves once nothing is queued or in flight (each sync is bounded by its own timeout). */
  settled(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Drops what is queued; syncs in flight finish without effect on this verifier. */
  stop(): void {
    this.stopped = true;
    for (const job of this.queue.splice(0)) for (const d of job.done) d(false);
    this.byName.clear();
    this.wakeIdle();
  }

  /** Forgets cooldowns older than the cooldown. */
  sweep(): void {
    const now = this.clock.now();
    for (const [name, at] of this.lastTried) if (now - at > this.cooldownMs) this.lastTried.delete(name);
  }

  private enqueue(member: MemberAddress, stranger: boolean): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    const pending = this.byName.get(member.name);
    if (pending !== undefined) return new Promise((resolve) => pending.done.push(resolve));
    const now = this.clock.now();
    if (now - (this.lastTried.get(member.name) ?? -Infinity) < this.cooldownMs) return Promise.resolve(false);
    if (stranger) {
      this.strangerTokens = Math.min(strangersPerSecond, this.strangerTokens + ((now - this.refilledAt) / 1000) * strangersPerSecond);
      this.refilledAt = now;
      if (this.strangerTokens < 1) return Promise.resolve(false);
      this.strangerTokens -= 1;
    }
    if (this.queue.length >= queueLimit) return Promise.resolve(false);
    this.lastTried.set(member.name, now);
    const job: Job = { member: { name: member.name, host: member.host, port: member.port }, done: [] };
    const result = new Promise<boolean>((resolve) => job.done.push(resolve));
    this.queue.push(job);
    this.byName.set(member.name, job);
    this.pump();
    return result;
  }

  private pump(): void {
    while (this.running < concurrency && this.queue.length > 0) {
      const job = this.queue.shift() as Job;
      this.running++;
      void this.sync(job.member)
        .catch(() => false)
        .then((ok) => {
          this.running--;
          if (this.byName.get(job.member.name) === job) this.byName.delete(job.member.name);
          for (const d of job.done) d(ok);
          if (!this.stopped) this.pump();
          if (this.running === 0 && this.queue.length === 0) this.wakeIdle();
        });
    }
  }

  private wakeIdle(): void {
    const waiting = this.idle;
    this.idle = [];
    for (const wake of waiting) wake();
  }
}
