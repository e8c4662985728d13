import type { Writable } from "node:stream";
import { InvalidOptionError, type PID } from "@tsakt/actor";
import { StreamCancelledError } from "./errors.js";
import { isFunction, optional, optionsObject, positiveMs } from "./options.js";
import { cancelQuietly, type Pull } from "./pull.js";
import type { Source } from "./source.js";

/** Options of source.runWith(sink, options). */
export interface RunOptions {
  /** Cancels the stream: the source is cancelled and runWith rejects with StreamCancelledError. Default: none. */
  signal?: AbortSignal;
}

/** Options of Sink.toActor(pid, options). */
export interface ToActorOptions {
  /** "ask": each element is asked and the next waits for the actor's reply (backpressure from any actor); "send": pid.send, which waits only while a bounded mailbox is full. Default: "ask". */
  mode?: "ask" | "send";
  /** How long an ask waits for the actor's reply. Default: the system's askTimeoutMs. */
  timeoutMs?: number;
  /** Told to the actor after the last element, when the stream completes. Default: nothing. */
  onComplete?: unknown;
}

/** Options of Sink.toWritable(writable, options). */
export interface ToWritableOptions {
  /** End the Writable when the stream completes (runWith resolves once it finished). Default: true. */
  end?: boolean;
}

/**
 * Pulls every element of `pull` into `each` until it ends; cancels `pull` when `each` throws or `signal` aborts.
 * Exported for the sinks of this package.
 */
export async function drain<T>(pull: Pull<T>, signal: AbortSignal | undefined, each: (element: T) => unknown): Promise<void> {
  let onAbort: (() => void) | undefined;
  const aborted =
    signal === undefined
      ? undefined
      : new Promise<never>((_, reject) => {
          onAbort = () => reject(new StreamCancelledError(signal.reason));
          if (signal.aborted) onAbort();
          else signal.addEventListener("abort", onAbort, { once: true });
        });
  aborted?.catch(() => undefined);
  try {
    for (;;) {
      const next = pull.next();
      if (aborted !== undefined) next.catch(() => undefined); // lost the race: its failure is not the stream's
      const r = aborted === undefined ? await next : await Promise.race([next, aborted]);
      if (r.done) return;
      const result = each(r.value);
      if (result instanceof Promise) {
        if (aborted !== undefined) result.catch(() => undefined);
        await (aborted === undefined ? result : Promise.race([result, aborted]));
      }
    }
  } catch (error) {
    void cancelQuietly(pull);
    throw error;
  } finally {
    if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
  }
}

/** Where a stream ends: consumes every element and gives a result of type R (runWith resolves with it). */
export class Sink<T, R> {
  private constructor(private readonly consume: (pull: Pull<T>, signal: AbortSignal | undefined) => Promise<R>) {}

  /** Combines the elements: `fn(accumulator, element)`, starting from `zero`; resolves with the last accumulator. */
  static fold<T, R>(zero: R, fn: (accumulator: R, element: T) => R | Promise<R>): Sink<T, R> {
    isFunction("fn", fn);
    return new Sink<T, R>(async (pull, signal) => {
      let accumulator = zero;
      await drain(pull, signal, (element) => {
        const next = fn(accumulator, element);
        if (next instanceof Promise) return next.then((value) => void (accumulator = value));
        accumulator = next;
        return undefined;
      });
      return accumulator;
    });
  }

  /** Calls `fn` for each element, awaiting it (a slow `fn` slows the whole stream). */
  static forEach<T>(fn: (element: T) => unknown): Sink<T, void> {
    isFunction("fn", fn);
    return new Sink<T, void>((pull, signal) => drain(pull, signal, fn));
  }

  /** Collects the elements into an array (keep such streams finite: it holds them all). */
  static collect<T>(): Sink<T, T[]> {
    return new Sink<T, T[]>(async (pull, signal) => {
      const all: T[] = [];
      await drain(pull, signal, (element) => void all.push(element));
      return all;
    });
  }

  /** Consumes and drops the elements; resolves with how many there were. */
  static ignore<T>(): Sink<T, number> {
    return Sink.fold<T, number>(0, (count) => count + 1);
  }

  /** Sends each element to an actor (local or remote), asking by default so the actor's replies pace the stream. */
  static toActor<T>(pid: PID, options?: ToActorOptions): Sink<T, void> {
    if (pid === null || typeof pid !== "object" || typeof pid.tell !== "function") throw new InvalidOptionError("pid", "must be a PID");
    const o = optionsObject(options, "{ mode?, timeoutMs?, onComplete? }");
    const mode = o.mode ?? "ask";
    if (mode !== "ask" && mode !== "send") throw new InvalidOptionError("mode", 'must be "ask" or "send"');
    const timeoutMs = optional<number | undefined>("timeoutMs", o.timeoutMs, positiveMs, undefined);
    return new Sink<T, void>(async (pull, signal) => {
      await drain(pull, signal, (element) =>
        mode === "ask" ? pid.ask(element, timeoutMs === undefined ? undefined : { timeoutMs }) : pid.send(element),
      );
      if (o.onComplete !== undefined) pid.tell(o.onComplete);
    });
  }

  /** Writes each element to a Node Writable, waiting for 'drain' when it asks to; ends it at the end by default. */
  static toWritable<T>(writable: Writable, options?: ToWritableOptions): Sink<T, void> {
    if (writable === null || typeof writable !== "object" || typeof writable.write !== "function")
      throw new InvalidOptionError("writable", "must be a Node Writable stream");
    const o = optionsObject(options, "{ end? }");
    if (o.end !== undefined && typeof o.end !== "boolean") throw new InvalidOptionError("end", "must be a boolean");
    return new Sink<T, void>(async (pull, signal) => {
      let failed: ((error: unknown) => void) | undefined;
      const failure = new Promise<never>((_, reject) => {
        failed = reject;
      });
      failure.catch(() => undefined);
      const onError = (error: unknown) => failed?.(error);
      writable.on("error", onError);
      try {
        await drain(pull, signal, (element) => {
          if (writable.write(element)) return undefined;
          return Promise.race([new Promise<void>((resolve) => writable.once("drain", resolve)), failure]);
        });
        if (o.end !== false) await Promise.race([new Promise<void>((resolve) => writable.end(() => resolve())), failure]);
      } finally {
        writable.off("error", onError);
      }
    });
  }

  /** @internal A sink from its consuming function (for this package's own sinks). */
  static of<T, R>(consume: (pull: Pull<T>, signal: AbortSignal | undefined) => Promise<R>): Sink<T, R> {
    return new Sink(consume);
  }

  /** @internal Runs `source` into this sink. */
  run(source: Source<T>, options?: RunOptions): Promise<R> {
    const signal = options?.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new InvalidOptionError("signal", "must be an AbortSignal");
    return this.consume(source.pull(), signal);
  }
}
