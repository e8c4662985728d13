/**
 * Lifeguard's local health multiplier: how much this node distrusts its own timing. It rises when this node misses
 * probes, has to refute a suspicion about itself, or sees its own timers fire late (a busy or starved event loop),
 * and falls with each probe answered in time. Probe timeouts are stretched by `multiplier`, so a slow node waits
 * longer for acks instead of falsely suspecting the whole cluster. Suspicion timeouts are not stretched: the side of
 * a partition that sees most members fail must still reach its split-brain decision within the others' removal margin.
 */
export class LocalHealth {
  private score = 0;

  /** `max` bounds the score. Default: 8 (timeouts up to 9 times their base). */
  constructor(private readonly max = 8) {}

  /** 1 + score: the factor applied to probe and suspicion timeouts. */
  get multiplier(): number {
    return 1 + this.score;
  }

  /** Evidence that this node is slow (a missed probe, a refutation, a late timer). */
  worse(): void {
    this.score = Math.min(this.max, this.score + 1);
  }

  /** Evidence that this node keeps time (a probe answered in time). */
  better(): void {
    this.score = Math.max(0, this.score - 1);
  }
}
