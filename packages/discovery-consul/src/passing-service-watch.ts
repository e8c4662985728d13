import { EventEmitter } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import type { ConsulCalls, HealthEntry } from "./consul-calls.js";

/** Settings of a blocking-query watch on one service's passing instances. */
export interface PassingServiceWatchOptions {
  client: ConsulCalls;
  service: string;
  token: string | undefined;
  waitMs: number;
}

const minBackoffMs = 100;
const maxBackoffMs = 5000;
/** Answers quicker than this without a new index mean churn; pausing keeps the loop from spinning. */
const churnPauseMs = 250;

/**
 * Keeps the passing instances of a service fresh with Consul blocking queries.
 * The cached result is only offered while the last query succeeded, so callers
 * never read a list that went stale during an outage.
 */
export class PassingServiceWatch {
  readonly #options: PassingServiceWatchOptions;
  readonly #stop = new AbortController();
  #index = 0n;
  #entries: HealthEntry[] | undefined;
  #ctx: (EventEmitter & { includeResponse: boolean }) | undefined;
  #loop: Promise<void> | undefined;

  constructor(options: PassingServiceWatchOptions) {
    this.#options = options;
  }

  /** Starts the query loop once; later calls do nothing. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** The last answer, or undefined before the first one and after a failed query. */
  snapshot(): HealthEntry[] | undefined {
    return this.#entries;
  }

  /** Cancels the in-flight query and waits for the loop to end. */
  async stop(): Promise<void> {
    this.#stop.abort();
    this.#ctx?.emit("cancel");
    await this.#loop;
  }

  async #run(): Promise<void> {
    const { client, service, token, waitMs } = this.#options;
    let backoff = minBackoffMs;
    while (!this.#stop.signal.aborted) {
      const ctx = Object.assign(new EventEmitter(), { includeResponse: true });
      this.#ctx = ctx;
      const started = Date.now();
      try {
        const answer = (await client.health.service({
          service,
          passing: true,
          index: this.#index.toString(),
          wait: `${waitMs}ms`,
          // Consul may hold a query up to wait + wait/16; the margin covers the round trip.
          timeout: Math.ceil(waitMs + waitMs / 16 + 5000),
          ctx,
          ...(token === undefined ? {} : { token }),
        })) as [{ headers: Record<string, string | undefined> }, HealthEntry[]];
        const [res, entries] = answer;
        const previous = this.#index;
        const next = BigInt(res.headers["x-consul-index"] ?? "0");
        // Consul's rules: an index that went backwards restarts the loop at 0, and a blocking index is at least 1.
        this.#index = next < previous ? 0n : next > 0n ? next : 1n;
        this.#entries = Array.isArray(entries) ? entries : [];
        backoff = minBackoffMs;
        if (next === previous && Date.now() - started < churnPauseMs) await this.#pause(churnPauseMs);
      } catch {
        if (this.#stop.signal.aborted) break;
        // After an error the agent may be a different (restarted) one whose indexes are lower; start over.
        this.#entries = undefined;
        this.#index = 0n;
        await this.#pause(backoff);
        backoff = Math.min(backoff * 2, maxBackoffMs);
      }
    }
    this.#entries = undefined;
  }

  async #pause(ms: number): Promise<void> {
    try {
      await sleep(ms, undefined, { signal: this.#stop.signal });
    } catch {
      // Aborted by stop(); the loop condition ends the watch.
    }
  }
}
