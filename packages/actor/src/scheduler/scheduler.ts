import type { Clock } from "../clock.js";
import { InvalidOptionError, SystemNotStartedError } from "../errors.js";
import type { PID } from "../pid.js";
import { type Schedule, ScheduledMessage, type ScheduleHost, type ScheduleKind } from "./schedule.js";
import {
  type CronScheduleOptions,
  type EveryOptions,
  isDelay,
  parseCron,
  type ScheduleOptions,
  validateScheduleCall,
} from "./schedule-options.js";
import { cronTiming, everyTiming, onceTiming, type Timing } from "./timing.js";

/** What a scheduler needs from its actor system; ActorSystem implements it. */
export interface SchedulerSystem {
  readonly clock: Clock;
  /** False once the system stops; scheduling then fails. */
  readonly isRunning: boolean;
  /** Records an undeliverable message (a schedule whose target stopped). */
  deadLetter(message: unknown, sender: PID | undefined, receiver: string, reason: string): void;
  /** Runs `hook` once the system has fully stopped. */
  onTerminated(hook: () => void): void;
}

/** Delivers messages to actors later, repeatedly or on a cron pattern; one per system, from schedulerOf(system). */
export class Scheduler {
  private readonly active = new Map<string, ScheduledMessage>();
  private readonly host: ScheduleHost;
  private nextId = 0;
  private stopped = false;

  /** @internal Every system makes its own; get it with schedulerOf(system). */
  constructor(private readonly system: SchedulerSystem) {
    this.host = {
      clock: system.clock,
      deadLetter: (message, sender, receiver, reason) => system.deadLetter(message, sender, receiver, reason),
      release: (schedule) => {
        if (this.active.get(schedule.id) === schedule) this.active.delete(schedule.id);
      },
    };
  }

  /** Tells `message` to `target` once, after `delayMs` (>= 0). */
  once(delayMs: number, target: PID, message: unknown, options?: ScheduleOptions): Schedule {
    validateScheduleCall("once", target, message, options);
    if (!isDelay(delayMs)) throw new InvalidOptionError("delayMs", `must be a finite number of milliseconds >= 0, got ${String(delayMs)}`);
    return this.add("once", target, message, options, onceTiming(delayMs));
  }

  /** Tells `message` to `target` every `intervalMs` (> 0), first after `initialDelayMs` (default: one interval). */
  every(intervalMs: number, target: PID, message: unknown, options?: EveryOptions): Schedule {
    validateScheduleCall("every", target, message, options);
    if (!(isDelay(intervalMs) && intervalMs > 0))
      throw new InvalidOptionError("intervalMs", `must be a finite number of milliseconds > 0, got ${String(intervalMs)}`);
    return this.add("every", target, message, options, everyTiming(intervalMs, options?.initialDelayMs ?? intervalMs));
  }

  /** Tells `message` to `target` whenever the cron `expression` matches (5 fields, or 6 with seconds first). */
  cron(expression: string, target: PID, message: unknown, options?: CronScheduleOptions): Schedule {
    validateScheduleCall("cron", target, message, options);
    return this.add("cron", target, message, options, cronTiming(parseCron(expression, options?.timezone)));
  }

  /** The schedules still scheduled or paused, oldest first. */
  list(): Schedule[] {
    return [...this.active.values()];
  }

  /** Cancels every schedule; later calls throw SystemNotStartedError. Runs when the system stops. */
  stop(): void {
    this.stopped = true;
    for (const schedule of [...this.active.values()]) schedule.cancel();
    this.active.clear();
  }

  private add(kind: ScheduleKind, target: PID, message: unknown, options: ScheduleOptions | undefined, timing: Timing): Schedule {
    if (this.stopped || !this.system.isRunning) throw new SystemNotStartedError(`schedule a message for ${target.address}`);
    let id = options?.id;
    if (id === undefined) {
      do id = `schedule-${++this.nextId}`;
      while (this.active.has(id));
    } else if (this.active.has(id)) {
      throw new InvalidOptionError(
        "id",
        `${JSON.stringify(id)} is already used by an active schedule; cancel it first or choose another id`,
      );
    }
    const schedule = new ScheduledMessage(id, kind, target, message, options?.sender, timing, this.host);
    this.active.set(id, schedule);
    schedule.start();
    return schedule;
  }
}

const schedulers = new WeakMap<SchedulerSystem, Scheduler>();

/** Called once by ActorSystem's constructor: every system has its scheduler, stopped (every timer cleared) with it. */
export function installScheduler(system: SchedulerSystem, scheduler: Scheduler): void {
  schedulers.set(system, scheduler);
  system.onTerminated(() => scheduler.stop());
}

/** The scheduler installed for `system`, if any (schedulerOf is the public accessor). */
export function installedScheduler(system: SchedulerSystem): Scheduler | undefined {
  return schedulers.get(system);
}
