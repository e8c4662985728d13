import { type Clock, keepAlive, type TimerHandle } from "../clock.js";
import type { PID } from "../pid.js";
import type { Timing } from "./timing.js";

/** Longest delay setTimeout takes (2^31 - 1 ms); longer waits are split. */
const maxTimerMs = 2_147_483_647;
/** Longest timer of a wall-clock timing, so a clock change is noticed within a minute. */
const maxWallClockWaitMs = 60_000;

/** Which scheduler call made a schedule. */
export type ScheduleKind = "once" | "every" | "cron";

/** Where a schedule is in its life: "completed" after a once delivered, "cancelled" by cancel(), a dead target or system stop. */
export type ScheduleState = "scheduled" | "paused" | "completed" | "cancelled";

/** A handle on one scheduled message, returned by once, every and cron. */
export interface Schedule {
  /** Unique among the scheduler's active schedules: the `id` option, else "schedule-<n>". */
  readonly id: string;
  /** once, every or cron. */
  readonly kind: ScheduleKind;
  /** The current state. */
  readonly state: ScheduleState;
  /** Who receives the message. */
  readonly target: PID;
  /** Messages delivered so far. */
  readonly deliveries: number;
  /** When the next delivery is due (epoch ms); undefined unless scheduled. */
  readonly nextRunAt: number | undefined;
  /** Stops future deliveries; false when it was already completed or cancelled. */
  cancel(): boolean;
  /** Holds deliveries until resume(): once keeps its time left, every and cron skip the ticks in between; false unless scheduled. */
  pause(): boolean;
  /** Continues a paused schedule; false unless paused. */
  resume(): boolean;
}

/** What a schedule needs from its scheduler. */
export interface ScheduleHost {
  /** The system's clock. */
  readonly clock: Clock;
  /** Records a message that could not be delivered. */
  deadLetter(message: unknown, sender: PID | undefined, receiver: string, reason: string): void;
  /** Forgets a schedule that completed or was cancelled. */
  release(schedule: ScheduledMessage): void;
}

/** A message delivered to a target at the times `timing` gives, by one timer at a time. */
export class ScheduledMessage implements Schedule {
  state: ScheduleState = "scheduled";
  deliveries = 0;
  private due = 0;
  private pausedAt = 0;
  /** Time still to wait once the current timer fires, for waits longer than one timer. */
  private rest = 0;
  private timer: TimerHandle | undefined = undefined;

  constructor(
    readonly id: string,
    readonly kind: ScheduleKind,
    readonly target: PID,
    private readonly message: unknown,
    private readonly sender: PID | undefined,
    private readonly timing: Timing,
    private readonly host: ScheduleHost,
  ) {}

  get nextRunAt(): number | undefined {
    return this.state === "scheduled" ? this.due : undefined;
  }

  /** Arms the first delivery; false when the timing never comes due. */
  start(): boolean {
    return this.armAt(this.timing.first(this.host.clock.now()));
  }

  cancel(): boolean {
    if (this.state === "completed" || this.state === "cancelled") return false;
    this.finish("cancelled");
    return true;
  }

  pause(): boolean {
    if (this.state !== "scheduled") return false;
    this.clearTimer();
    this.pausedAt = this.host.clock.now();
    this.state = "paused";
    return true;
  }

  resume(): boolean {
    if (this.state !== "paused") return false;
    this.state = "scheduled";
    this.armAt(this.timing.resumed(this.due, this.pausedAt, this.host.clock.now()));
    return true;
  }

  private armAt(due: number | undefined): boolean {
    if (due === undefined) {
      this.finish("completed");
      return false;
    }
    this.due = due;
    this.wait(Math.max(0, due - this.host.clock.now()));
    return true;
  }

  private wait(ms: number): void {
    const step = Math.min(ms, this.timing.wallClock ? maxWallClockWaitMs : maxTimerMs);
    this.rest = ms - step;
    // Like a plain setTimeout, a pending schedule keeps the process alive.
    this.timer = this.host.clock.setTimeout(this.onTimer, step);
    keepAlive(this.timer, true);
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    if (this.state !== "scheduled") return;
    if (this.rest > 0) {
      this.wait(this.rest);
      return;
    }
    const now = this.host.clock.now();
    // Timers run on a monotonic clock; a wall-clock timing (cron) re-checks its due time in case the clock moved.
    if (this.timing.wallClock && this.due - now > 1) {
      this.wait(this.due - now);
      return;
    }
    if (!this.deliver() || this.state !== "scheduled") return;
    this.armAt(this.timing.next(this.due, now));
  };

  private deliver(): boolean {
    const target = this.target;
    if (!target.isAlive()) {
      this.host.deadLetter(this.message, this.sender, target.address, `scheduled target stopped; schedule ${this.id} cancelled`);
      this.finish("cancelled");
      return false;
    }
    target.tell(this.message, this.sender);
    this.deliveries++;
    return true;
  }

  private finish(state: "completed" | "cancelled"): void {
    this.clearTimer();
    this.state = state;
    this.host.release(this);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.host.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
