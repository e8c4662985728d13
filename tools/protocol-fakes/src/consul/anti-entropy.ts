import type { AgentState } from "./agent-state.js";
import type { Catalog } from "./catalog.js";

/** How fast local changes reach the catalog. */
export interface SyncTimings {
  /** Delay from a local change to the sync that writes it to the catalog; 0 syncs in the same call. */
  syncDelayMs: number;
  /** Consul's check_update_interval: an output-only change waits between half and one and a half of this. */
  checkUpdateIntervalMs: number;
}

/**
 * The agent's anti-entropy: local changes are written to the catalog by a sync that runs a short
 * delay after them (Consul triggers it at once, then pays an RPC and a Raft commit), and a check
 * whose output alone changed is synced only after check_update_interval, as Consul defers those.
 */
export class AntiEntropy {
  #timer: NodeJS.Timeout | undefined;
  #outputTimer: NodeJS.Timeout | undefined;
  /** When an output-only change of each check may reach the catalog. */
  readonly #outputDue = new Map<string, number>();
  readonly #unsubscribe: () => void;

  constructor(
    private readonly local: AgentState,
    private readonly catalog: Catalog,
    private readonly timings: SyncTimings,
  ) {
    this.#unsubscribe = local.onChange(() => this.#schedule());
  }

  /** True while a sync is scheduled. */
  get pending(): boolean {
    return this.#timer !== undefined;
  }

  /** Runs the sync now instead of when it is due. */
  syncNow(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const now = Date.now();
    const waiting = new Set(
      this.catalog.sync(this.local, (checkId) => {
        const due = this.#outputDue.get(checkId);
        if (due !== undefined) return due <= now;
        const interval = this.timings.checkUpdateIntervalMs;
        this.#outputDue.set(checkId, now + interval / 2 + Math.random() * interval);
        return false;
      }),
    );
    for (const checkId of [...this.#outputDue.keys()]) if (!waiting.has(checkId)) this.#outputDue.delete(checkId);
    clearTimeout(this.#outputTimer);
    this.#outputTimer = undefined;
    if (this.#outputDue.size > 0) {
      const next = Math.min(...this.#outputDue.values());
      this.#outputTimer = setTimeout(() => this.syncNow(), Math.max(0, next - Date.now()));
      this.#outputTimer.unref();
    }
  }

  /** Stops every timer. */
  dispose(): void {
    this.#unsubscribe();
    clearTimeout(this.#timer);
    clearTimeout(this.#outputTimer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.timings.syncDelayMs <= 0) {
      this.syncNow();
      return;
    }
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => this.syncNow(), this.timings.syncDelayMs);
    this.#timer.unref();
  }
}
