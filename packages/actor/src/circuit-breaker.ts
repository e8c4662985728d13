import { type Clock, systemClock } from "./clock.js";
import { CircuitCallTimeoutError, CircuitOpenError, InvalidOptionError } from "./errors.js";

/** Where a circuit breaker stands: "closed" lets calls through, "open" refuses them, "half-open" lets one trial through. */
export type CircuitState = "closed" | "open" | "half-open";

/** Options of a CircuitBreaker. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. Default: 5. */
  failureThreshold?: number;
  /** How long the circuit stays open before one trial call may go through. Default: 30000. */
  resetTimeoutMs?: number;
  /** A call slower than this fails with CircuitCallTimeoutError and counts as a failure. Default: Infinity (no limit). */
  callTimeoutMs?: number;
  /** Where time is read and the call timeout is started (TestClock from @tsakt/testkit in tests). Default: the system clock. */
  clock?: Clock;
  /** Name in errors and logs. Default: "circuit". */
  name?: string;
}

/**
 * Stops calling a failing dependency for a while. Closed, calls go through and consecutive failures are counted; at
 * `failureThreshold` it opens and refuses calls at once with CircuitOpenError. After `resetTimeoutMs` it is
 * half-open: the next call is a trial (others are refused meanwhile); its success closes the circuit, its failure
 * opens it for another `resetTimeoutMs`.
 */
export class CircuitBreaker {
  /** Name in errors. */
  readonly name: string;
  /** Consecutive failures that open the circuit. */
  readonly failureThreshold: number;
  /** How long the circuit stays open before a trial. */
  readonly resetTimeoutMs: number;
  /** Limit on one call's duration (Infinity: none). */
  readonly callTimeoutMs: number;
  private readonly clock: Clock;
  private current: CircuitState = "closed";
  private failureCount = 0;
  private openedAt = 0;
  private trialRunning = false;
  private readonly listeners: Array<(state: CircuitState) => void> = [];

  /** Throws InvalidOptionError naming the field when an option is out of range. */
  constructor(options: CircuitBreakerOptions = {}) {
    const { failureThreshold = 5, resetTimeoutMs = 30_000, callTimeoutMs = Infinity, clock = systemClock, name = "circuit" } = options;
    if (!Number.isInteger(failureThreshold) || failureThreshold < 1)
      throw new InvalidOptionError("failureThreshold", `must be a positive integer, got ${String(failureThreshold)}`);
    if (!(Number.isFinite(resetTimeoutMs) && resetTimeoutMs >= 0))
      throw new InvalidOptionError("resetTimeoutMs", `must be a finite number >= 0, got ${String(resetTimeoutMs)}`);
    if (!(typeof callTimeoutMs === "number" && callTimeoutMs > 0))
      throw new InvalidOptionError("callTimeoutMs", `must be a number > 0 (Infinity for no limit), got ${String(callTimeoutMs)}`);
    this.name = name;
    this.failureThreshold = failureThreshold;
    this.resetTimeoutMs = resetTimeoutMs;
    this.callTimeoutMs = callTimeoutMs;
    this.clock = clock;
  }

  /** The state now; an open circuit whose reset timeout passed reads as "half-open". */
  get state(): CircuitState {
    if (this.current === "open" && this.clock.now() - this.openedAt >= this.resetTimeoutMs) this.moveTo("half-open");
    return this.current;
  }

  /** Consecutive failures counted since the last success. */
  get failures(): number {
    return this.failureCount;
  }

  /** Calls `listener` on every state change, with the new state. */
  onStateChange(listener: (state: CircuitState) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Runs `task` when the circuit allows it and settles as it does; refused at once with CircuitOpenError when open
   * (or half-open with its trial running), and with CircuitCallTimeoutError past `callTimeoutMs`.
   */
  call<T>(task: () => PromiseLike<T> | T): Promise<T> {
    const state = this.state;
    if (state === "open" || (state === "half-open" && this.trialRunning)) return Promise.reject(this.openError());
    const trial = state === "half-open";
    if (trial) this.trialRunning = true;
    let result: Promise<T>;
    try {
      result = Promise.resolve(task());
    } catch (error) {
      result = Promise.reject(error);
    }
    return this.limit(result).then(
      (value) => {
        this.succeeded(trial);
        return value;
      },
      (error: unknown) => {
        this.failed(trial);
        throw error;
      },
    );
  }

  /** Counts a success of a call made outside `call` (closes a half-open circuit). */
  recordSuccess(): void {
    this.succeeded(this.state === "half-open");
  }

  /** Counts a failure of a call made outside `call`. */
  recordFailure(): void {
    this.failed(this.state === "half-open");
  }

  private limit<T>(result: Promise<T>): Promise<T> {
    if (this.callTimeoutMs === Infinity) return result;
    return new Promise<T>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => reject(new CircuitCallTimeoutError(this.name, this.callTimeoutMs)), this.callTimeoutMs);
      result.then(
        (value) => {
          this.clock.clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          this.clock.clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  private succeeded(trial: boolean): void {
    if (trial) this.trialRunning = false;
    this.failureCount = 0;
    if (this.current !== "closed" && (trial || this.current === "half-open")) this.moveTo("closed");
  }

  private failed(trial: boolean): void {
    if (trial) this.trialRunning = false;
    this.failureCount++;
    if (trial || (this.current === "closed" && this.failureCount >= this.failureThreshold)) this.open();
  }

  private open(): void {
    this.openedAt = this.clock.now();
    this.moveTo("open");
  }

  private openError(): CircuitOpenError {
    const retryAfterMs = this.current === "open" ? Math.max(0, this.openedAt + this.resetTimeoutMs - this.clock.now()) : 0;
    return new CircuitOpenError(this.name, this.failureCount, retryAfterMs);
  }

  private moveTo(state: CircuitState): void {
    if (this.current === state) return;
    this.current = state;
    for (const listener of this.listeners) listener(state);
  }
}
