import type { Clock, TimerHandle } from "@tsakt/actor";

/** One pending timer of a TestClock. */
interface Timer {
  readonly id: number;
  readonly due: number;
  readonly callback: () => void;
}

/** Yields to the event loop so that messages, promise chains and I/O caused by a timer run before the next one. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A manual clock for tests: pass it as `ActorSystem.start({ clock })` and time stands still until `advance(ms)`,
 * which runs the timers that fall due, in order, letting the system process what each one caused. Ask deadlines,
 * passivation, the scheduler, grain idle timers and cluster failure detection then run without real waiting.
 */
export class TestClock implements Clock {
  private current: number;
  private nextId = 0;
  private readonly timers = new Map<number, Timer>();

  /** Starts at `startMs` (epoch ms). Default: 1,700,000,000,000 (a fixed date, so runs repeat exactly). */
  constructor(startMs = 1_700_000_000_000) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const id = ++this.nextId;
    this.timers.set(id, { id, due: this.current + Math.max(0, delayMs), callback });
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    const id = (handle as { id?: unknown }).id;
    if (typeof id === "number") this.timers.delete(id);
  }

  /** Timers not yet fired or cleared. */
  get pending(): number {
    return this.timers.size;
  }

  /** When the next timer falls due; undefined when none is pending. */
  nextDue(): number | undefined {
    let next: number | undefined;
    for (const t of this.timers.values()) if (next === undefined || t.due < next) next = t.due;
    return next;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way (also those the fired ones start). */
  async advance(ms: number): Promise<void> {
    if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError(`advance(ms) needs a finite number >= 0, got ${ms}`);
    await this.advanceTo(this.current + ms);
  }

  /** Moves time forward to `time` (epoch ms), firing due timers in order. */
  async advanceTo(time: number): Promise<void> {
    await settle();
    for (;;) {
      const next = this.earliest();
      if (next === undefined || next.due > time) break;
      this.timers.delete(next.id);
      if (next.due > this.current) this.current = next.due;
      next.callback();
      await settle();
    }
    if (time > this.current) this.current = time;
    await settle();
  }

  /** Fires pending timers until none is left or `maxMs` of clock time passed; returns the time it took. */
  async runAll(maxMs = 3_600_000): Promise<number> {
    const start = this.current;
    for (let next = this.nextDue(); next !== undefined && next - start <= maxMs; next = this.nextDue()) await this.advanceTo(next);
    return this.current - start;
  }

  private earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.timers.values()) if (best === undefined || t.due < best.due || (t.due === best.due && t.id < best.id)) best = t;
    return best;
  }
}
