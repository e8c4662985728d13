/** Small measuring helpers shared by all workloads. */

/** The q-quantile (0..1) of `values` by nearest rank; sorts a copy. */
export function quantile(values, q) {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

/** The median of `values`. */
export function median(values) {
  return quantile(values, 0.5);
}

/**
 * Runs `once` (which returns its own elapsed ms) after `warmup` unmeasured runs, then repeats it until at
 * least `minRounds` rounds and `minMs` of measured time, stopping at `maxRounds` or once `budgetMs` is spent.
 * Returns the median elapsed ms, so one GC pause or JIT hiccup does not decide the result.
 * @param {() => Promise<number>} once
 * @param {{ warmup: number, minRounds: number, maxRounds: number, minMs: number, budgetMs: number }} rounds
 */
export async function medianOfRounds(once, { warmup, minRounds, maxRounds, minMs, budgetMs }) {
  const started = performance.now();
  for (let i = 0; i < warmup; i++) await once();
  const times = [];
  let measured = 0;
  while (times.length < maxRounds) {
    const ms = await once();
    times.push(ms);
    measured += ms;
    if (times.length >= minRounds && measured >= minMs) break;
    if (performance.now() - started >= budgetMs) break;
  }
  return { ms: median(times), rounds: times.length };
}

/**
 * Measures event-loop lag with a setInterval(…, 1): every tick records how much later than 1 ms after the
 * previous tick it ran. stop() also counts the gap still open, so a loop blocked until the end is seen.
 */
export class LagSampler {
  /** @type {number[]} */
  lags = [];
  last = 0;
  /** @type {NodeJS.Timeout | undefined} */
  timer = undefined;

  constructor(intervalMs = 1) {
    this.intervalMs = intervalMs;
  }

  start() {
    this.last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      this.lags.push(Math.max(0, now - this.last - this.intervalMs));
      this.last = now;
    }, this.intervalMs);
  }

  /** Stops sampling and returns p50, p99 and max lag in ms. */
  stop() {
    clearInterval(this.timer);
    const open = performance.now() - this.last - this.intervalMs;
    if (open > 0) this.lags.push(open);
    return { p50: quantile(this.lags, 0.5), p99: quantile(this.lags, 0.99), max: Math.max(...this.lags), samples: this.lags.length };
  }
}

/** heapUsed after full garbage collections (needs node --expose-gc). */
export function settledHeapUsed() {
  if (typeof globalThis.gc !== "function") throw new Error("run the scenario with node --expose-gc");
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

/** Resolves after the event loop went round once (pending immediates, including actor start-up work, ran). */
export function nextLoopTurn() {
  return new Promise((resolve) => setTimeout(resolve, 1));
}
