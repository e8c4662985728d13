import type { PID, Schedule } from "@tsakt/actor";

/**
 * Who waits for a grain's answer: the temporary sender of a local ask (AskReplier), or the stand-in for an asker on
 * another node (see ClusterGrainForwarder). Its tell answers, reject fails the ask.
 */
export interface GrainAsker extends PID {
  /** Fails the ask with `error`. */
  reject(error: unknown): void;
  /** Milliseconds left before the asker gives up (0 once past). */
  remainingMs(): number;
}

/** An ask to a grain: the message plus the asker's temporary sender, which a failure rejects. */
export class GrainAsk {
  constructor(
    readonly message: unknown,
    readonly replier: GrainAsker,
  ) {}
}

/** A timer's message as the scheduler delivers it, so the grain can tell it from a call (it does not count as use). */
export class TimerTick {
  /** The schedule (a GrainTimer) delivering this tick; set right after it is created. */
  schedule: Schedule | undefined = undefined;
  constructor(readonly message: unknown) {}
}

/** From the manager to a fenced activation, after everything already in its mailbox: hand back what you hold, then stop. */
export class RetireActivation {}
