/** Something the dispatcher can give a turn: an actor with mail. */
export interface Schedulable {
  /** True while queued for a turn. */
  scheduled: boolean;
  /** Processes up to `budget` messages and returns how many it processed; reschedules itself if more is left. */
  runTurn(budget: number): number;
}

/** Dispatcher tuning. */
export interface DispatcherOptions {
  /** Messages one actor processes per turn before the next actor gets one. Default: 32. */
  throughput?: number;
  /** Longest stretch of actor work before yielding to the event loop (timers, sockets). Default: 2. */
  sliceMs?: number;
}

/**
 * Drains a ready queue of actors with mail. Work starts in a microtask (cheap for a quiet system); after
 * `sliceMs` without the event loop getting a turn, the dispatcher continues from setImmediate, so timers
 * and sockets keep running however busy the actors are.
 */
export class Dispatcher {
  private queue: Array<Schedulable | undefined> = new Array(1024);
  private mask = 1023;
  private head = 0;
  private tail = 0;
  private pending = false;
  private running = false;
  private sliceOpen = false;
  private sliceStart = 0;
  private drainsInSlice = 0;
  private readonly throughput: number;
  private readonly sliceMs: number;
  /** Total messages processed; read by metrics. */
  processed = 0;

  constructor(options: DispatcherOptions = {}) {
    this.throughput = options.throughput ?? 32;
    this.sliceMs = options.sliceMs ?? 2;
  }

  /** Queues `actor` for a turn. */
  schedule(actor: Schedulable): void {
    actor.scheduled = true;
    this.queue[this.tail] = actor;
    this.tail = (this.tail + 1) & this.mask;
    if (this.tail === this.head) this.grow();
    if (this.pending || this.running) return;
    this.pending = true;
    if (this.sliceOpen && (++this.drainsInSlice & 15) === 0 && performance.now() - this.sliceStart > this.sliceMs) {
      setImmediate(this.drain);
    } else {
      queueMicrotask(this.drain);
    }
  }

  private readonly closeSlice = (): void => {
    this.sliceOpen = false;
  };

  private readonly drain = (): void => {
    this.pending = false;
    this.running = true;
    if (!this.sliceOpen) {
      this.sliceOpen = true;
      this.sliceStart = performance.now();
      this.drainsInSlice = 0;
      setImmediate(this.closeSlice);
    }
    const budget = this.throughput;
    let sinceCheck = 0;
    let total = 0;
    while (this.head !== this.tail) {
      const actor = this.queue[this.head] as Schedulable;
      this.queue[this.head] = undefined;
      this.head = (this.head + 1) & this.mask;
      actor.scheduled = false;
      const n = actor.runTurn(budget);
      total += n;
      sinceCheck += n + 1;
      if (sinceCheck >= 64) {
        sinceCheck = 0;
        if (performance.now() - this.sliceStart > this.sliceMs) {
          if (this.head !== this.tail) {
            this.pending = true;
            setImmediate(this.drain);
          }
          break;
        }
      }
    }
    this.processed += total;
    this.running = false;
  };

  private grow(): void {
    const old = this.queue;
    const size = old.length;
    const next = new Array<Schedulable | undefined>(size * 2);
    for (let i = 0; i < size; i++) next[i] = old[(this.head + i) & this.mask];
    this.queue = next;
    this.head = 0;
    this.tail = size;
    this.mask = size * 2 - 1;
  }
}
