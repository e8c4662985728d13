import type { Clock, TimerHandle } from "@tsakt/actor/internal";

/** Most independent confirmations a suspicion waits for before its timeout reaches its minimum. */
export const maxExpectedConfirmations = 3;

/**
 * Lifeguard's suspicion timeout after `confirmations` independent confirmations out of `expected`: `maxMs` with none,
 * falling with the logarithm of the confirmations to `minMs` once all expected arrived. One member's failed probe is
 * weak evidence (its own loop or link may be slow), so it waits long; every other member failing too is strong.
 */
export function suspicionTimeoutMs(confirmations: number, expected: number, minMs: number, maxMs: number): number {
  if (expected < 1 || confirmations >= expected || maxMs <= minMs) return minMs;
  const fraction = Math.log(confirmations + 1) / Math.log(expected + 1);
  return Math.max(minMs, Math.floor(maxMs - fraction * (maxMs - minMs)));
}

/** Bounds of the suspicion timeout. */
export interface SuspicionTiming {
  readonly clock: Clock;
  /** The timeout once every expected confirmation arrived. */
  readonly suspicionTimeoutMs: number;
  /** The timeout with the first suspector alone. */
  readonly suspicionMaxTimeoutMs: number;
  /** This node's local health: a node that keeps time badly waits `multiplier` times longer before counting a suspect unreachable. */
  readonly health?: { readonly multiplier: number };
}

/** One running suspicion: who suspects the member, since when, and the timer that ends it. */
interface Running {
  readonly uid: string;
  readonly startedAt: number;
  readonly expected: number;
  readonly by: Set<string>;
  readonly onTimeout: () => void;
  timer: TimerHandle;
}

/**
 * The suspicion timers of one node, one per suspected member: each starts at suspicionMaxTimeoutMs and shrinks
 * towards suspicionTimeoutMs as other members independently suspect the same run (its elapsed time counts).
 */
export class Suspicions {
  private readonly running = new Map<string, Running>();

  constructor(private readonly timing: SuspicionTiming) {}

  /** True when a suspicion of member `name` is running. */
  has(name: string): boolean {
    return this.running.has(name);
  }

  /**
   * Starts suspecting run `uid` of member `name`, raised by member `by` ("" when unknown), expecting up to `expected`
   * further confirmations; `onTimeout` runs when the timeout passes. No-op while one runs.
   */
  start(name: string, uid: string, by: string, expected: number, onTimeout: () => void): void {
    if (this.running.has(name)) return;
    const clock = this.timing.clock;
    const run: Running = {
      uid,
      startedAt: clock.now(),
      expected: Math.max(0, Math.min(maxExpectedConfirmations, expected)),
      by: new Set(by === "" ? [] : [by]),
      onTimeout,
      timer: undefined as unknown as TimerHandle,
    };
    run.timer = clock.setTimeout(() => this.fire(name, run), this.timeoutOf(run));
    this.running.set(name, run);
  }

  /**
   * Counts member `by` as suspecting run `uid` of `name` too; true when that is a new confirmation (worth spreading).
   * Always false with suspicionMaxTimeoutMs at suspicionTimeoutMs: a confirmation could not shorten anything.
   */
  confirm(name: string, uid: string, by: string): boolean {
    if (this.timing.suspicionMaxTimeoutMs <= this.timing.suspicionTimeoutMs) return false;
    const run = this.running.get(name);
    if (run === undefined || run.uid !== uid || by === "" || run.by.has(by)) return false;
    run.by.add(by);
    const clock = this.timing.clock;
    clock.clearTimeout(run.timer);
    const remaining = Math.max(0, run.startedAt + this.timeoutOf(run) - clock.now());
    run.timer = clock.setTimeout(() => this.fire(name, run), remaining);
    return true;
  }

  /** Ends the suspicion of member `name` (it refuted, or is no longer a member). */
  cancel(name: string): void {
    const run = this.running.get(name);
    if (run === undefined) return;
    this.timing.clock.clearTimeout(run.timer);
    this.running.delete(name);
  }

  /** Cancels every timer. */
  stop(): void {
    for (const run of this.running.values()) this.timing.clock.clearTimeout(run.timer);
    this.running.clear();
  }

  private timeoutOf(run: Running): number {
    const confirmations = Math.max(0, run.by.size - 1);
    const { suspicionTimeoutMs: minMs, suspicionMaxTimeoutMs: maxMs, health } = this.timing;
    return suspicionTimeoutMs(confirmations, run.expected, minMs, maxMs) * (health?.multiplier ?? 1);
  }

  private fire(name: string, run: Running): void {
    if (this.running.get(name) !== run) return;
    this.running.delete(name);
    run.onTimeout();
  }
}
