import { type Clock, every } from "./clock.js";
import { InvalidOptionError } from "./errors.js";
import { isPositiveInt } from "./mailbox/options.js";

/** When an actor is passivated (stopped for being idle or done); per actor at spawn. */
export type PassivationOptions =
  | {
      /** Passivate after this long without a message. */
      afterIdleMs: number;
      /** Keep the name and bring the actor back from its factory on the next message. Default: false (it stops for good). */
      reactivate?: boolean;
    }
  | {
      /** Passivate after this many messages since (re)activation. */
      afterMessages: number;
      /** Default: false. */
      reactivate?: boolean;
    }
  | "long-lived";

/**
 * A node-wide cap on live passivatable actors; past it the least recently (LRU), least often (LFU) or most recently
 * (MRU) used idle actor is passivated.
 */
export interface PassivationCapOptions {
  /** Most passivatable actors alive at once. */
  maxActors: number;
  /** Which actor makes room. Default: "lru". */
  eviction?: "lru" | "lfu" | "mru";
}

/** What the passivator needs from an actor cell. */
export interface Passivatable {
  /** Clock time of the last processed message. */
  lastActive: number;
  /** Messages processed since (re)activation. */
  useCount: number;
  /** The actor's passivation options (never "long-lived" here). */
  readonly passivation: Exclude<PassivationOptions, "long-lived">;
  /** True when nothing is queued or running, so passivating loses nothing. */
  isIdle(): boolean;
  /** Passivates the actor now. */
  passivate(): void;
}

/** Throws InvalidOptionError naming the field when `options` is not a valid passivation spec. */
export function validatePassivationOptions(options: unknown, field = "passivation"): asserts options is PassivationOptions {
  if (options === "long-lived") return;
  if (typeof options !== "object" || options === null)
    throw new InvalidOptionError(field, 'must be { afterIdleMs }, { afterMessages } or "long-lived"');
  const o = options as Record<string, unknown>;
  if ("afterIdleMs" in o) {
    if (!isPositiveInt(o.afterIdleMs))
      throw new InvalidOptionError(`${field}.afterIdleMs`, `must be a positive whole number of milliseconds, got ${String(o.afterIdleMs)}`);
  } else if ("afterMessages" in o) {
    if (!isPositiveInt(o.afterMessages))
      throw new InvalidOptionError(`${field}.afterMessages`, `must be a positive whole number, got ${String(o.afterMessages)}`);
  } else {
    throw new InvalidOptionError(field, 'must set afterIdleMs or afterMessages, or be "long-lived"');
  }
  if (o.reactivate !== undefined && typeof o.reactivate !== "boolean")
    throw new InvalidOptionError(`${field}.reactivate`, "must be a boolean");
}

/** Throws InvalidOptionError naming the field when the node-wide cap is wrong. */
export function validatePassivationCap(options: unknown, field = "passivation"): asserts options is PassivationCapOptions {
  if (typeof options !== "object" || options === null) throw new InvalidOptionError(field, "must be an object { maxActors, eviction? }");
  const o = options as Record<string, unknown>;
  if (!isPositiveInt(o.maxActors))
    throw new InvalidOptionError(`${field}.maxActors`, `must be a positive whole number, got ${String(o.maxActors)}`);
  if (o.eviction !== undefined && o.eviction !== "lru" && o.eviction !== "lfu" && o.eviction !== "mru")
    throw new InvalidOptionError(`${field}.eviction`, `must be "lru", "lfu" or "mru", got ${JSON.stringify(o.eviction)}`);
}

/**
 * Tracks the system's passivatable actors: one sweep timer for idle time, a count check after each turn, and the
 * node-wide cap. The timer is unref'd and runs only while such actors exist.
 */
export class Passivator {
  private readonly actors = new Set<Passivatable>();
  private cancelTimer: (() => void) | undefined = undefined;
  private tickMs = 1000;

  constructor(
    private readonly cap: PassivationCapOptions | undefined,
    private readonly clock: Clock,
  ) {}

  /** Number of live passivatable actors. */
  get size(): number {
    return this.actors.size;
  }

  /** Starts tracking an actor that just (re)activated, making room under the cap. */
  add(actor: Passivatable): void {
    actor.lastActive = this.clock.now();
    actor.useCount = 0;
    this.actors.add(actor);
    const idle = "afterIdleMs" in actor.passivation ? actor.passivation.afterIdleMs : undefined;
    if (idle !== undefined) this.ensureTimer(idle);
    const cap = this.cap;
    if (cap !== undefined && this.actors.size > cap.maxActors) this.evict(actor, cap.eviction ?? "lru");
  }

  /** Stops tracking an actor that stopped or passivated. */
  remove(actor: Passivatable): void {
    this.actors.delete(actor);
    if (this.actors.size === 0) this.stop();
  }

  /** Records a turn of `processed` messages; passivates on the message count. */
  touched(actor: Passivatable, processed: number): void {
    actor.lastActive = this.clock.now();
    actor.useCount += processed;
    const p = actor.passivation;
    if ("afterMessages" in p && actor.useCount >= p.afterMessages) queueMicrotask(() => this.passivateIfIdle(actor));
  }

  /** Clears the timer (the system stopped). */
  stop(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  private passivateIfIdle(actor: Passivatable): void {
    if (this.actors.has(actor) && actor.isIdle()) actor.passivate();
  }

  private ensureTimer(idleMs: number): void {
    const tick = Math.max(5, Math.min(1000, Math.floor(idleMs / 4)));
    if (this.cancelTimer !== undefined && tick >= this.tickMs) return;
    this.stop();
    this.tickMs = tick;
    this.cancelTimer = every(this.clock, tick, this.sweep);
  }

  private readonly sweep = (): void => {
    const now = this.clock.now();
    for (const actor of this.actors) {
      const p = actor.passivation;
      if ("afterIdleMs" in p && now - actor.lastActive >= p.afterIdleMs && actor.isIdle()) actor.passivate();
    }
  };

  /** Passivates one idle actor other than the newcomer `keep`; ties go to the one met first (the oldest tracked). */
  private evict(keep: Passivatable, eviction: "lru" | "lfu" | "mru"): void {
    let victim: Passivatable | undefined;
    for (const actor of this.actors) {
      if (actor === keep || !actor.isIdle()) continue;
      if (victim === undefined || worse(actor, victim, eviction)) victim = actor;
    }
    victim?.passivate();
  }
}

/** True when `a` should make room before `b` under `eviction`. */
function worse(a: Passivatable, b: Passivatable, eviction: "lru" | "lfu" | "mru"): boolean {
  if (eviction === "lru") return a.lastActive < b.lastActive;
  if (eviction === "mru") return a.lastActive > b.lastActive;
  return a.useCount < b.useCount || (a.useCount === b.useCount && a.lastActive < b.lastActive);
}
