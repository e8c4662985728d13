import { type Clock, keepAlive, type TimerHandle } from "./clock.js";
import { AskAbortedError, AskTimeoutError, InvalidOptionError, SystemNotStartedError } from "./errors.js";
import type { AskOptions } from "./pid.js";
import { TellOnlyPID } from "./tell-only-pid.js";

let nextAskId = 0;

/**
 * The temporary sender of an ask: its tell settles the asker's promise. Pending asks with the same timeout
 * sit in one deadline-ordered list that shares a single timer, so an ask costs no timer of its own.
 */
export class AskReplier extends TellOnlyPID {
  readonly promise: Promise<unknown>;
  private resolveFn!: (value: unknown) => void;
  private rejectFn!: (error: unknown) => void;
  private settled = false;
  /** Deadline list links (owned by DeadlineList). */
  prev: AskReplier | undefined = undefined;
  next: AskReplier | undefined = undefined;
  deadline = 0;
  list: DeadlineList | undefined = undefined;
  private signal: AbortSignal | undefined = undefined;
  private onAbort: (() => void) | undefined = undefined;
  /** Called once when the ask settles (replied, failed, timed out or aborted); remoting forgets its correlation id here. */
  onSettled: ((replier: AskReplier) => void) | undefined = undefined;
  /** What the code that registered the ask keeps with it (remoting: its pending ask), so one onSettled serves all. */
  tag: unknown = undefined;
  private readonly id = ++nextAskId;

  constructor(
    /** Address of the asked actor, for error messages. */
    readonly target: string,
    private readonly addressPrefix: string,
  ) {
    super();
    this.promise = new Promise<unknown>((resolve, reject) => {
      this.resolveFn = resolve;
      this.rejectFn = reject;
    });
  }

  get name(): string {
    return `$ask-${this.id}`;
  }

  get path(): string {
    return `/temp/${this.name}`;
  }

  get address(): string {
    return this.addressPrefix + this.path;
  }

  /** Listens to `signal` until the ask settles. */
  watchSignal(signal: AbortSignal): void {
    this.signal = signal;
    this.onAbort = () => this.reject(new AskAbortedError(this.target, signal.reason));
    signal.addEventListener("abort", this.onAbort, { once: true });
  }

  tell(message: unknown): boolean {
    if (this.settled) return false;
    this.finish();
    this.resolveFn(message);
    return true;
  }

  isAlive(): boolean {
    return !this.settled;
  }

  /** Settles the ask with an error. */
  reject(error: unknown): void {
    if (this.settled) return;
    this.finish();
    this.rejectFn(error);
  }

  /** Called by the deadline list when the timeout passed. */
  expire(timeoutMs: number): void {
    this.list = undefined;
    this.reject(new AskTimeoutError(this.target, timeoutMs));
  }

  private finish(): void {
    this.settled = true;
    this.list?.remove(this);
    if (this.signal !== undefined && this.onAbort !== undefined) this.signal.removeEventListener("abort", this.onAbort);
    this.onSettled?.(this);
  }

  /** Milliseconds left before the ask times out (0 once past). */
  remainingMs(): number {
    const list = this.list;
    return list === undefined ? 0 : Math.max(0, Math.ceil(this.deadline - list.clock.now()));
  }
}

/** Pending asks that share one timeout, oldest first, behind one timer. */
export class DeadlineList {
  private head: AskReplier | undefined = undefined;
  private tail: AskReplier | undefined = undefined;
  private timer: TimerHandle | undefined = undefined;
  private refed = false;

  constructor(
    readonly timeoutMs: number,
    readonly clock: Clock,
  ) {}

  add(replier: AskReplier): void {
    replier.deadline = this.clock.now() + this.timeoutMs;
    replier.list = this;
    const tail = this.tail;
    if (tail === undefined) {
      this.head = this.tail = replier;
    } else {
      tail.next = replier;
      replier.prev = tail;
      this.tail = replier;
    }
    if (this.timer === undefined) {
      this.timer = this.arm(this.timeoutMs);
    } else if (!this.refed) {
      keepAlive(this.timer, true);
      this.refed = true;
    }
  }

  remove(replier: AskReplier): void {
    const { prev, next } = replier;
    if (prev === undefined) this.head = next;
    else prev.next = next;
    if (next === undefined) this.tail = prev;
    else next.prev = prev;
    replier.prev = replier.next = replier.list = undefined;
    // An idle timer must not keep the process alive; it stays armed for the next ask.
    if (this.head === undefined && this.refed && this.timer !== undefined) {
      keepAlive(this.timer, false);
      this.refed = false;
    }
  }

  /** Rejects every pending ask and clears the timer (the system stopped). */
  clear(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    let r = this.head;
    while (r !== undefined) {
      const next = r.next;
      r.prev = r.next = r.list = undefined;
      r.reject(new SystemNotStartedError("wait for a reply"));
      r = next;
    }
    this.head = this.tail = undefined;
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    const now = this.clock.now();
    let r = this.head;
    while (r !== undefined && r.deadline <= now + 1) {
      const next = r.next;
      this.head = next;
      if (next === undefined) this.tail = undefined;
      else next.prev = undefined;
      r.prev = r.next = undefined;
      r.expire(this.timeoutMs);
      r = next;
    }
    if (this.head !== undefined) this.timer = this.arm(Math.max(1, Math.ceil(this.head.deadline - now)));
  };

  /** Starts the timer; while asks are pending it keeps the process alive (where the clock's timers can). */
  private arm(delayMs: number): TimerHandle {
    const timer = this.clock.setTimeout(this.fire, delayMs);
    keepAlive(timer, true);
    this.refed = true;
    return timer;
  }
}

/**
 * Starts an ask to `target`: validates the options, arms the shared deadline and the abort signal, and returns the
 * temporary sender whose tell settles the ask (or an error to reject with at once).
 */
export function prepareAsk(
  target: string,
  addressPrefix: string,
  options: AskOptions | undefined,
  defaultTimeoutMs: number,
  deadlines: (timeoutMs: number) => DeadlineList,
): AskReplier | Error {
  let timeoutMs = defaultTimeoutMs;
  const t = options?.timeoutMs;
  if (t !== undefined) {
    if (!(typeof t === "number" && t > 0 && Number.isFinite(t)))
      return new InvalidOptionError("timeoutMs", `must be a positive number of milliseconds, got ${String(t)}`);
    timeoutMs = t;
  }
  const signal = options?.signal;
  if (signal?.aborted) return new AskAbortedError(target, signal.reason);
  const replier = new AskReplier(target, addressPrefix);
  if (signal !== undefined) replier.watchSignal(signal);
  deadlines(timeoutMs).add(replier);
  return replier;
}
