import { AskAbortedError, AskTimeoutError } from "@tsakt/actor";

/** The peer an ask went to; only its identity matters here. */
export type AskPeer = object;

/** One ask (or remoting request) waiting for its REPLY or ERROR. */
export class PendingAsk {
  resolve!: (value: unknown) => void;
  reject!: (error: unknown) => void;
  readonly promise: Promise<unknown>;
  deadline = 0;
  prev: PendingAsk | undefined = undefined;
  next: PendingAsk | undefined = undefined;
  list: DeadlineList | undefined = undefined;
  signal: AbortSignal | undefined = undefined;
  onAbort: (() => void) | undefined = undefined;

  constructor(
    readonly id: number,
    readonly peer: AskPeer,
    /** Address of the asked actor, for error messages. */
    readonly target: string,
  ) {
    this.promise = new Promise<unknown>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}

/** Pending asks with one timeout, oldest first, behind one timer (an ask costs no timer of its own). */
class DeadlineList {
  head: PendingAsk | undefined = undefined;
  tail: PendingAsk | undefined = undefined;
  private timer: NodeJS.Timeout | undefined = undefined;
  private refed = false;

  constructor(
    readonly timeoutMs: number,
    private readonly owner: PendingAsks,
  ) {}

  add(ask: PendingAsk): void {
    ask.deadline = performance.now() + this.timeoutMs;
    ask.list = this;
    const tail = this.tail;
    if (tail === undefined) this.head = this.tail = ask;
    else {
      tail.next = ask;
      ask.prev = tail;
      this.tail = ask;
    }
    if (this.timer === undefined) {
      this.timer = setTimeout(this.fire, this.timeoutMs);
      this.refed = true;
    } else if (!this.refed) {
      this.timer.ref();
      this.refed = true;
    }
  }

  remove(ask: PendingAsk): void {
    const { prev, next } = ask;
    if (prev === undefined) this.head = next;
    else prev.next = next;
    if (next === undefined) this.tail = prev;
    else next.prev = prev;
    ask.prev = ask.next = ask.list = undefined;
    // An idle timer must not keep the process alive; it stays armed for the next ask.
    if (this.head === undefined && this.refed && this.timer !== undefined) {
      this.timer.unref();
      this.refed = false;
    }
  }

  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    const now = performance.now();
    let ask = this.head;
    while (ask !== undefined && ask.deadline <= now + 1) {
      const next = ask.next;
      this.owner.expire(ask, this.timeoutMs);
      ask = next;
    }
    if (this.head !== undefined) {
      this.timer = setTimeout(this.fire, Math.max(1, Math.ceil(this.head.deadline - now)));
      this.refed = true;
    }
  };
}

/** Every ask of this node waiting for an answer from a peer, by correlation id. */
export class PendingAsks {
  private readonly byId = new Map<number, PendingAsk>();
  private readonly lists = new Map<number, DeadlineList>();
  private last: DeadlineList | undefined = undefined;
  private nextId = 0;

  /** Number of asks waiting. */
  get size(): number {
    return this.byId.size;
  }

  /** Registers a new ask with a fresh correlation id that times out after `timeoutMs`. */
  create(peer: AskPeer, target: string, timeoutMs: number): PendingAsk {
    let id = (this.nextId + 1) >>> 0 || 1;
    while (this.byId.has(id)) id = (id + 1) >>> 0 || 1;
    this.nextId = id;
    const ask = new PendingAsk(id, peer, target);
    this.byId.set(id, ask);
    let list = this.last;
    if (list === undefined || list.timeoutMs !== timeoutMs) {
      list = this.lists.get(timeoutMs);
      if (list === undefined) {
        list = new DeadlineList(timeoutMs, this);
        this.lists.set(timeoutMs, list);
      }
      this.last = list;
    }
    list.add(ask);
    return ask;
  }

  /** Cancels the ask when `signal` aborts. */
  watchSignal(ask: PendingAsk, signal: AbortSignal): void {
    ask.signal = signal;
    ask.onAbort = () => {
      if (this.take(ask.id) === ask) ask.reject(new AskAbortedError(ask.target, signal.reason));
    };
    signal.addEventListener("abort", ask.onAbort, { once: true });
  }

  /** Removes and returns the ask with this id (its answer arrived), or undefined when it already ended. */
  take(id: number): PendingAsk | undefined {
    const ask = this.byId.get(id);
    if (ask === undefined) return undefined;
    this.byId.delete(id);
    ask.list?.remove(ask);
    if (ask.onAbort !== undefined) ask.signal?.removeEventListener("abort", ask.onAbort);
    return ask;
  }

  /** Called by a deadline list when the ask's time is up. */
  expire(ask: PendingAsk, timeoutMs: number): void {
    if (this.take(ask.id) === ask) ask.reject(new AskTimeoutError(ask.target, timeoutMs));
  }

  /** Fails every ask sent to `peer` (its connection was lost). */
  failPeer(peer: AskPeer, error: (ask: PendingAsk) => unknown): void {
    for (const ask of [...this.byId.values()]) if (ask.peer === peer && this.take(ask.id) === ask) ask.reject(error(ask));
  }

  /** Fails every ask and stops the timers (the node stopped). */
  failAll(error: (ask: PendingAsk) => unknown): void {
    for (const ask of [...this.byId.values()]) if (this.take(ask.id) === ask) ask.reject(error(ask));
    for (const list of this.lists.values()) list.clear();
    this.lists.clear();
    this.last = undefined;
  }
}
