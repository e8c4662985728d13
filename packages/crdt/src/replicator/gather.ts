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

/** The wait before a node whose ask failed is asked again; it doubles per failure up to RETRY_MAX_MS. */
const RETRY_FIRST_MS = 50;
const RETRY_MAX_MS = 1000;

/**
 * Asks the first `needed` candidates at once (so a write or read costs no more messages than it needs), another
 * candidate for each one that fails or gives an answer that does not count, and every remaining candidate once a
 * fifth of the time has passed without enough answers (so one slow node does not fail the call). A node whose ask
 * failed (not one that refused) is asked again after a backoff while time is left: a member that has just joined may
 * not have started its replicator yet. Resolves as soon as `needed` answers counted, when the time is up, or when no
 * candidate is left to ask or waiting to be asked again.
 */
export function gather<T>(plan: GatherPlan<T>): Promise<GatherOutcome> {
  const { candidates, needed, clock } = plan;
  if (needed <= 0) return Promise.resolve({ ok: true, counted: 0, lastError: undefined });
  const deadline = clock.now() + plan.timeoutMs;
  return new Promise<GatherOutcome>((resolve) => {
    let next = 0;
    let inFlight = 0;
    let retrying = 0;
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
      if (counted >= needed) finish(true);
      else if (!done && inFlight < needed - counted) launch(1);
      if (!done && inFlight === 0 && retrying === 0 && next >= candidates.length) finish(false);
    };
    const ask = (member: ClusterMember, failures: number): void => {
      inFlight++;
      let asked: Promise<T>;
      try {
        asked = plan.ask(member, Math.max(1, deadline - clock.now()));
      } catch (error) {
        asked = Promise.reject(error);
      }
      asked.then(
        (answer) => {
          if (done) return;
          inFlight--;
          if (plan.accept(answer, member)) counted++;
          settle();
        },
        (error: unknown) => {
          if (done) return;
          inFlight--;
          lastError = error;
          const wait = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** failures);
          if (deadline - clock.now() > wait) {
            retrying++;
            timers.push(
              clock.setTimeout(() => {
                retrying--;
                if (!done) ask(member, failures + 1);
              }, wait),
            );
          }
          settle();
        },
      );
    };
    const launch = (n: number): void => {
      for (let i = 0; i < n && next < candidates.length && !done; i++) ask(candidates[next++] as ClusterMember, 0);
    };
    timers.push(clock.setTimeout(() => finish(false), plan.timeoutMs));
    timers.push(clock.setTimeout(() => launch(candidates.length), Math.max(1, Math.floor(plan.timeoutMs / 5))));
    launch(needed);
    if (inFlight === 0) finish(false);
  });
}
