import type { Clock, TimerHandle } from "@tsakt/actor/internal";
import type { ClusterMember } from "@tsakt/cluster";

/** How a write or read collects answers from other nodes. */
export interface GatherPlan<T> {
  /** The nodes to ask, in order of preference. */
  readonly candidates: readonly ClusterMember[];
  /** Answers needed from them (this node's own is not counted here). */
  readonly needed: number;
  /** Total time allowed. */
  readonly timeoutMs: number;
  readonly clock: Clock;
  /** Asks one node; `timeoutMs` is the time left. */
  ask(member: ClusterMember, timeoutMs: number): Promise<T>;
  /** Takes an answer in; true when it counts towards `needed`. */
  accept(answer: T, member: ClusterMember): boolean;
}

/** How a gather ended. */
export interface GatherOutcome {
  /** True when `needed` answers counted. */
  readonly ok: boolean;
  /** Answers that counted. */
  readonly counted: number;
  /** The last failure of a node, for the error's cause. */
  readonly lastError: unknown;
}

/**
 * Asks the first `needed` candidates at once (so a write or read costs no more messages than it needs), another
 * candidate for each one that fails or gives an answer that does not count, and every remaining candidate once a
 * fifth of the time has passed without enough answers (so one slow node does not fail the call). Resolves as soon
 * as `needed` answers counted, when the time is up, or when no candidate is left to ask.
 */
export function gather<T>(plan: GatherPlan<T>): Promise<GatherOutcome> {
  const { candidates, needed, clock } = plan;
  if (needed <= 0) return Promise.resolve({ ok: true, counted: 0, lastError: undefined });
  const deadline = clock.now() + plan.timeoutMs;
  return new Promise<GatherOutcome>((resolve) => {
    let next = 0;
    let inFlight = 0;
    let counted = 0;
    let lastError: unknown;
    let done = false;
    const timers: TimerHandle[] = [];
    const finish = (ok: boolean): void => {
      if (done) return;
      done = true;
      for (const t of timers) clock.clearTimeout(t);
      resolve({ ok, counted, lastError });
    };
    const settle = (): void => {
      inFlight--;
      if (counted >= needed) finish(true);
      else if (!done && inFlight < needed - counted) launch(1);
      if (!done && inFlight === 0 && next >= candidates.length) finish(false);
    };
    const launch = (n: number): void => {
      for (let i = 0; i < n && next < candidates.length && !done; i++) {
        const member = candidates[next++] as ClusterMember;
        inFlight++;
        const left = Math.max(1, deadline - clock.now());
        let asked: Promise<T>;
        try {
          asked = plan.ask(member, left);
        } catch (error) {
          asked = Promise.reject(error);
        }
        asked.then(
          (answer) => {
            if (done) return;
            if (plan.accept(answer, member)) counted++;
            settle();
          },
          (error: unknown) => {
            if (done) return;
            lastError = error;
            settle();
          },
        );
      }
    };
    timers.push(clock.setTimeout(() => finish(false), plan.timeoutMs));
    timers.push(clock.setTimeout(() => launch(candidates.length), Math.max(1, Math.floor(plan.timeoutMs / 5))));
    launch(needed);
    if (inFlight === 0) finish(false);
  });
}
