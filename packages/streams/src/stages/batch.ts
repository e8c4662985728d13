import type { Clock, TimerHandle } from "@tsakt/actor";
import { DONE, type Pull, Stage } from "../pull.js";

const timedOut = Symbol("timedOut");

/**
 * batch(size, withinMs): groups elements into arrays of up to `size`; with `withinMs`, a partial batch is emitted
 * once that long passed since its first element. The last, partial batch is emitted when upstream completes.
 */
export class BatchStage<T> extends Stage<T, T[]> {
  private pending: Promise<IteratorResult<T, unknown>> | undefined = undefined;
  private upDone = false;

  constructor(
    up: Pull<T>,
    private readonly size: number,
    private readonly withinMs: number | undefined,
    private readonly clock: Clock,
  ) {
    super(up);
  }

  async next(): Promise<IteratorResult<T[], unknown>> {
    if (this.closed || this.upDone) return DONE;
    const batch: T[] = [];
    let deadline: Promise<typeof timedOut> | undefined;
    let timer: TimerHandle | undefined;
    try {
      while (batch.length < this.size && !this.closed) {
        if (this.pending === undefined) {
          this.pending = this.up.next();
          this.pending.catch(() => undefined); // awaited below, or by the next call after a timeout
        }
        const r = deadline === undefined ? await this.pending : await Promise.race([this.pending, deadline]);
        if (r === timedOut) break;
        this.pending = undefined;
        if (r.done) {
          this.upDone = true;
          break;
        }
        batch.push(r.value);
        if (batch.length === 1 && this.withinMs !== undefined) {
          const ms = this.withinMs;
          deadline = new Promise((resolve) => {
            timer = this.clock.setTimeout(() => resolve(timedOut), ms);
          });
        }
      }
    } finally {
      if (timer !== undefined) this.clock.clearTimeout(timer);
    }
    if (this.closed || batch.length === 0) return DONE;
    return { done: false, value: batch };
  }
}
