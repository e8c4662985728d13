import type { Schedule } from "@tsakt/actor";
import type { AskReplier } from "@tsakt/actor/internal";

/** An ask to a grain: the message plus the asker's temporary sender, which a failure rejects. */
export class GrainAsk {
  constructor(
    readonly message: unknown,
    readonly replier: AskReplier,
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
