import type { ActorSystem } from "@tsakt/actor";
import { every } from "@tsakt/actor/internal";
import { grainsPluginOf, type StatsSample } from "./node-view.js";

/**
 * Samples the node's numbers every interval into a bounded history (the dashboard's charts): messages processed per
 * second since the previous sample, mailbox depth, live actors and active grains. Each sample is also handed to
 * `onSample` (the live stream).
 */
export class Sampler {
  private readonly samples: StatsSample[] = [];
  private lastProcessed: number;
  private lastAt: number;
  private cancel: (() => void) | undefined = undefined;

  constructor(
    private readonly system: ActorSystem,
    private readonly intervalMs: number,
    private readonly size: number,
    private readonly onSample: (sample: StatsSample) => void,
  ) {
    this.lastProcessed = system.processedCount;
    this.lastAt = system.clock.now();
  }

  /** Starts sampling. */
  start(): void {
    this.cancel = every(this.system.clock, this.intervalMs, () => this.sample());
  }

  /** Stops sampling. */
  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }

  /** The samples taken after `sinceMs` (all of them for 0), oldest first. */
  since(sinceMs = 0): StatsSample[] {
    if (sinceMs <= 0) return [...this.samples];
    let i = this.samples.length;
    while (i > 0 && (this.samples[i - 1] as StatsSample).at > sinceMs) i--;
    return this.samples.slice(i);
  }

  private sample(): void {
    const system = this.system;
    const at = system.clock.now();
    const processed = system.processedCount;
    const elapsed = Math.max(1, at - this.lastAt);
    let grains = 0;
    try {
      grains = grainsPluginOf(system)?.activeCount() ?? 0;
    } catch {
      // Grains stopping: count none.
    }
    const sample: StatsSample = {
      at,
      messagesPerSec: Math.round(((processed - this.lastProcessed) * 1000) / elapsed),
      mailboxDepth: system.queuedMessages(),
      actors: system.actorCount,
      grains,
    };
    this.lastProcessed = processed;
    this.lastAt = at;
    this.samples.push(sample);
    if (this.samples.length > this.size) this.samples.splice(0, this.samples.length - this.size);
    this.onSample(sample);
  }
}
