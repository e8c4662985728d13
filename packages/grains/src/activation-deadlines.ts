import type { Clock, TimerHandle } from "@tsakt/actor/internal";
import type { GrainEntry } from "./entry.js";

/** The attempts with one time limit, oldest first: added in order, so they also come due in order. */
class DeadlineQueue {
  /** [entry, attempt, dueAt] triples; those before `head` are done. */
  readonly items: unknown[] = [];
  head = 0;
  timer: TimerHandle | undefined = undefined;
  /** The timer went off and the manager has not expired the queue yet: no new timer until it has. */
  fired = false;
}

/**
 * The activation time limits of one manager. Instead of a clock timer per activation (allocated for every new
 * identity, and nearly always cancelled), attempts wait in a queue per time limit, and one timer per queue runs for
 * the oldest. Attempts that finished stay queued until their time; the manager's check of the attempt skips them.
 */
export class ActivationDeadlines {
  private readonly queues = new Map<number, DeadlineQueue>();
  /** Deadlines are kept as ms after this, small integers rather than a heap number each. */
  private readonly base: number;

  /** `due` is called (outside the manager's turn) when some attempt may have run out of time: the manager then calls expire. */
  constructor(
    private readonly clock: Clock,
    private readonly due: () => void,
  ) {
    this.base = clock.now();
  }

  /** Starts the time limit of `entry`'s activation attempt `attempt`. */
  add(entry: GrainEntry, attempt: number, timeoutMs: number): void {
    let queue = this.queues.get(timeoutMs);
    if (queue === undefined) {
      queue = new DeadlineQueue();
      this.queues.set(timeoutMs, queue);
    }
    queue.items.push(entry, attempt, this.clock.now() - this.base + timeoutMs);
    if (queue.timer === undefined && !queue.fired) this.arm(queue, timeoutMs);
  }

  /** Calls `expired` for every queued attempt whose time has come, oldest first, and arms the timers for the rest. */
  expire(expired: (entry: GrainEntry, attempt: number) => void): void {
    const now = this.clock.now() - this.base;
    for (const queue of this.queues.values()) {
      queue.fired = false;
      const items = queue.items;
      let head = queue.head;
      while (head < items.length && (items[head + 2] as number) <= now) {
        const entry = items[head] as GrainEntry;
        const attempt = items[head + 1] as number;
        items[head] = undefined;
        head += 3;
        expired(entry, attempt);
      }
      if (head >= items.length) {
        items.length = 0;
        head = 0;
      } else if (head > 3072 && head * 2 > items.length) {
        items.splice(0, head);
        head = 0;
      }
      queue.head = head;
      if (head < items.length && queue.timer === undefined) this.arm(queue, Math.max(1, (items[head + 2] as number) - now));
    }
  }

  /** Cancels the timers (the manager stops). */
  stop(): void {
    for (const queue of this.queues.values()) if (queue.timer !== undefined) this.clock.clearTimeout(queue.timer);
    this.queues.clear();
  }

  private arm(queue: DeadlineQueue, delayMs: number): void {
    queue.timer = this.clock.setTimeout(() => {
      queue.timer = undefined;
      queue.fired = true;
      this.due();
    }, delayMs);
  }
}
