import { isDeepStrictEqual } from "node:util";
import { type DescMessage, isMessage, type MessageShape } from "@bufbuild/protobuf";
import { type ActorSystem, InvalidOptionError, type PID, type Terminated, TerminatedSchema } from "@tsakt/actor";
import { describeList, describeValue } from "./describe-value.js";
import { ProbeExpectationError, ProbeTimeoutError } from "./errors.js";
import { type Envelope, Inbox } from "./inbox.js";
import { ProbeActor, WatchCommand } from "./probe-actor.js";

/** Options of a probe. */
export interface ProbeOptions {
  /** How long an expectation waits when given no timeoutMs. Default: 3000. */
  timeoutMs?: number;
}

/** How long expectNoMessage waits when given no duration, in milliseconds. */
export const defaultNoMessageMs = 100;

/** How long an expectation waits when neither it nor the probe's options give a timeout, in milliseconds. */
export const defaultTimeoutMs = 3000;

let probeCount = 0;

/** Spawns a probe actor under /user (named `name`, default "probe-<n>") and returns its handle. */
export function probe(system: ActorSystem, name?: string, options?: ProbeOptions): Promise<TestProbe> {
  return TestProbe.spawn(system, name, options);
}

/**
 * A real actor that records what it receives, with async expectations on it. Every expectation takes the next
 * message (in arrival order) and waits at most its timeoutMs (default: 3000, or the probe's `timeoutMs`).
 */
export class TestProbe implements AsyncDisposable {
  /** Sender of the last message an expectation took; undefined before the first or when it had none. */
  lastSender: PID | undefined = undefined;
  /** End of the innermost `within` block (Date.now() based); expectations inside it wait no longer. */
  private deadline = Infinity;

  private constructor(
    private readonly system: ActorSystem,
    /** The probe's actor: pass it to the code under test as a watcher, sender, subscriber or routee. */
    readonly pid: PID,
    private readonly inbox: Inbox,
    private readonly timeoutMs: number,
  ) {}

  /** Spawns the probe's actor; see {@link probe}. */
  static async spawn(system: ActorSystem, name?: string, options?: ProbeOptions): Promise<TestProbe> {
    const timeoutMs = options?.timeoutMs === undefined ? defaultTimeoutMs : checkDuration("timeoutMs", options.timeoutMs);
    let actorName = name;
    if (actorName === undefined) {
      // Bounded: each round takes a fresh number and only live actors can hold one.
      do actorName = `probe-${++probeCount}`;
      while (system.localActorOf(actorName) !== undefined);
    }
    const inbox = new Inbox();
    const pid = await system.spawn(actorName, () => new ProbeActor(inbox));
    return new TestProbe(system, pid, inbox, timeoutMs);
  }

  /** The probe actor's name. */
  get name(): string {
    return this.pid.name;
  }

  /** Number of messages received and not yet taken by an expectation. */
  get pending(): number {
    return this.inbox.size;
  }

  /** Sends `message` to `target` with the probe as sender, so replies come back to the probe. */
  send(target: PID, message: unknown): boolean {
    return target.tell(message, this.pid);
  }

  /** Sends `message` to the sender of the last message taken (answers an ask made to the probe). */
  reply(message: unknown): boolean {
    const to = this.lastSender;
    if (to === undefined) throw new InvalidOptionError("lastSender", "is undefined: take a message that has a sender before replying");
    return to.tell(message, this.pid);
  }

  /** Makes the probe receive Terminated when `target` stops (at once when it already has); watching twice is one watch. */
  watch(target: PID): void {
    this.pid.tell(new WatchCommand(target, true));
  }

  /** Stops watching `target`. */
  unwatch(target: PID): void {
    this.pid.tell(new WatchCommand(target, false));
  }

  /** Takes the next message; when `expected` is given it must be deeply equal to it. Returns the message. */
  async expectMessage(expected?: unknown, timeoutMs?: number): Promise<unknown> {
    const what = expected === undefined ? "any message" : describeValue(expected);
    const { message } = await this.next(what, timeoutMs);
    if (expected !== undefined && !isDeepStrictEqual(message, expected))
      throw new ProbeExpectationError(this.name, what, message, "not deeply equal");
    return message;
  }

  /** Takes the next message, which must be a protobuf message of `schema`; returns it typed. */
  async expectMessageOfType<D extends DescMessage>(schema: D, timeoutMs?: number): Promise<MessageShape<D>> {
    const what = `a ${schema.typeName} message`;
    const { message } = await this.next(what, timeoutMs);
    if (!isMessage(message, schema)) throw new ProbeExpectationError(this.name, what, message, "of another type");
    return message;
  }

  /** Takes the next message, for which `predicate` must return true; returns it. */
  expectMessageMatching<T>(predicate: (message: unknown, sender: PID | undefined) => message is T, timeoutMs?: number): Promise<T>;
  expectMessageMatching(predicate: (message: unknown, sender: PID | undefined) => boolean, timeoutMs?: number): Promise<unknown>;
  async expectMessageMatching(predicate: (message: unknown, sender: PID | undefined) => boolean, timeoutMs?: number): Promise<unknown> {
    const what = `a message matching ${predicate.name === "" ? "the predicate" : predicate.name}`;
    const { message, sender } = await this.next(what, timeoutMs);
    if (!predicate(message, sender)) throw new ProbeExpectationError(this.name, what, message, "the predicate returned false");
    return message;
  }

  /** Waits `ms` (default: 100) and fails as soon as any message arrives. */
  async expectNoMessage(ms: number = defaultNoMessageMs): Promise<void> {
    const wait = this.remaining(checkDuration("ms", ms));
    const envelope = await this.inbox.take(wait);
    if (envelope === undefined) return;
    this.lastSender = envelope.sender;
    throw new ProbeExpectationError(this.name, `no message for ${ms} ms`, envelope.message, "a message arrived");
  }

  /** Watches `target` and takes the next message, which must be its Terminated (address equal to the target's). */
  async expectTerminated(target: PID, timeoutMs?: number): Promise<Terminated> {
    const what = `Terminated of ${target.address}`;
    this.watch(target);
    const { message } = await this.next(what, timeoutMs);
    if (!isMessage(message, TerminatedSchema)) throw new ProbeExpectationError(this.name, what, message, "not a Terminated");
    if (message.address !== target.address) throw new ProbeExpectationError(this.name, what, message, "Terminated of another actor");
    return message;
  }

  /** Takes the next `n` messages, all within timeoutMs (default: 3000) in total; returns them in arrival order. */
  async receiveN(n: number, timeoutMs?: number): Promise<unknown[]> {
    if (!Number.isInteger(n) || n < 1) throw new InvalidOptionError("n", `must be a positive whole number, got ${String(n)}`);
    const total = this.remaining(timeoutMs === undefined ? this.timeoutMs : checkDuration("timeoutMs", timeoutMs));
    const end = Date.now() + total;
    const received: unknown[] = [];
    for (let i = 0; i < n; i++) {
      const envelope = await this.inbox.take(Math.max(0, end - Date.now()));
      if (envelope === undefined) throw new ProbeTimeoutError(this.name, `${n} messages`, total, describeList(received));
      this.lastSender = envelope.sender;
      received.push(envelope.message);
    }
    return received;
  }

  /** Runs `block` and fails if it takes longer than `ms`; expectations inside wait at most the time left. */
  async within<T>(ms: number, block: () => Promise<T>): Promise<T> {
    checkDuration("ms", ms);
    const start = Date.now();
    const outer = this.deadline;
    this.deadline = Math.min(outer, start + ms);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ProbeTimeoutError(this.name, `the block to finish within ${ms} ms`, ms, "no completion")), ms);
    });
    try {
      const result = await Promise.race([block(), late]);
      const elapsed = Date.now() - start;
      if (elapsed > ms) throw new ProbeTimeoutError(this.name, `the block to finish within ${ms} ms`, ms, `completion after ${elapsed} ms`);
      return result;
    } finally {
      clearTimeout(timer);
      this.deadline = outer;
    }
  }

  /** Stops the probe's actor; expectations still waiting fail with DeadActorError. */
  stop(): Promise<void> {
    return this.system.stopActor(this.pid);
  }

  /** Stops the probe at the end of an `await using` block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** Takes the next message or throws ProbeTimeoutError describing `what` was expected. */
  private async next(what: string, timeoutMs: number | undefined): Promise<Envelope> {
    const wait = this.remaining(timeoutMs === undefined ? this.timeoutMs : checkDuration("timeoutMs", timeoutMs));
    const envelope = await this.inbox.take(wait);
    if (envelope === undefined) throw new ProbeTimeoutError(this.name, what, wait, "nothing");
    this.lastSender = envelope.sender;
    return envelope;
  }

  /** `ms`, shortened to what is left of the innermost within block. */
  private remaining(ms: number): number {
    return this.deadline === Infinity ? ms : Math.max(0, Math.min(ms, this.deadline - Date.now()));
  }
}

function checkDuration(field: string, ms: unknown): number {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms <= 0)
    throw new InvalidOptionError(field, `must be a positive number of milliseconds, got ${String(ms)}`);
  return ms;
}
