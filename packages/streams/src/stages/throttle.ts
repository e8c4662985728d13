import type { Clock } from "@tsakt/actor";
import { sleep } from "@tsakt/actor/internal";
import { DONE, type Pull, Stage } from "../pull.js";

/**
 * throttle(elements, perMs): at most `elements` per `perMs` on average, with bursts of up to `burst` (a token bucket
 * that starts full). It pulls upstream only when downstream asks, so a throttled stream slows its source.
 */
export class ThrottleStage<T> extends Stage<T, T> {
  private tokens: number;
  private refilledAt: number;

  constructor(
    up: Pull<T>,
    private readonly elements: number,
    private readonly perMs: number,
    private readonly burst: number,
    private readonly clock: Clock,
  ) {
    super(up);
    this.tokens = burst;
    this.refilledAt = clock.now();
  }

  async next(): Promise<IteratorResult<T, unknown>> {
    if (this.closed) return DONE;
    const r = await this.up.next();
    if (r.done || this.closed) return DONE;
    this.refill();
    if (this.tokens < 1) {
      await sleep(this.clock, ((1 - this.tokens) * this.perMs) / this.elements);
      if (this.closed) return DONE;
      this.refill();
    }
    this.tokens -= 1;
    return r;
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) * this.elements) / this.perMs);
    this.refilledAt = now;
  }
}
