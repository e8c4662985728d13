import { type ActorSystem, type AskOptions, DeadActorError, InvalidMessageError, type PID, schedulerOf } from "@tsakt/actor";
import { TimerTick } from "./activation-messages.js";
import type { Activation } from "./entry.js";
import type { GrainTimer, GrainTimers } from "./grain.js";

/** Past this many tracked schedules, finished ones are pruned when a timer is added (cancelled ones never tick again). */
const pruneAt = 64;

/**
 * The timers of one activation, on the system's scheduler. Each delivers a TimerTick (made once per timer) to the
 * activation's actor through a TimerTarget, which stops delivering once the activation ends.
 */
export class ActivationTimers implements GrainTimers {
  private readonly schedules = new Set<GrainTimer>();
  private readonly target: TimerTarget;

  constructor(
    private readonly system: ActorSystem,
    private readonly activation: Activation,
    private readonly grainKey: string,
  ) {
    this.target = new TimerTarget(activation);
  }

  once(delayMs: number, message: unknown): GrainTimer {
    const tick = this.tick(message);
    return this.track(tick, schedulerOf(this.system).once(delayMs, this.target, tick));
  }

  every(intervalMs: number, message: unknown, options?: { initialDelayMs?: number }): GrainTimer {
    const tick = this.tick(message);
    return this.track(tick, schedulerOf(this.system).every(intervalMs, this.target, tick, options));
  }

  cancelAll(): void {
    for (const schedule of this.schedules) schedule.cancel();
    this.schedules.clear();
  }

  /** Forgets a schedule that will not tick again (a once that fired). */
  forget(schedule: GrainTimer): void {
    if (schedule.state === "completed" || schedule.state === "cancelled") this.schedules.delete(schedule);
  }

  private tick(message: unknown): TimerTick {
    if (!this.activation.live) throw new DeadActorError(`grain ${this.grainKey} (its timers were cleared on deactivation)`);
    if (message === undefined || message === null) throw new InvalidMessageError(`a grain timer needs a message, got ${String(message)}`);
    return new TimerTick(message);
  }

  private track(tick: TimerTick, schedule: GrainTimer): GrainTimer {
    tick.schedule = schedule;
    if (this.schedules.size >= pruneAt) for (const s of this.schedules) this.forget(s);
    this.schedules.add(schedule);
    return schedule;
  }
}

/** The scheduler's target for an activation's timers: counts each tick as outstanding, and goes quiet once the activation ends. */
class TimerTarget implements PID {
  constructor(private readonly activation: Activation) {}

  get name(): string {
    return this.activation.cell.name;
  }

  get path(): string {
    return this.activation.cell.path;
  }

  get address(): string {
    return this.activation.cell.address;
  }

  tell(message: unknown, sender?: PID): boolean {
    const activation = this.activation;
    if (!activation.live) return false;
    activation.outstanding++;
    return activation.cell.tell(message, sender);
  }

  ask<R = unknown>(message: unknown, options?: AskOptions): Promise<R> {
    return this.activation.cell.ask<R>(message, options);
  }

  async send(message: unknown, sender?: PID): Promise<void> {
    this.tell(message, sender);
  }

  isAlive(): boolean {
    return this.activation.live;
  }
}
