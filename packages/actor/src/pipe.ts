import { create } from "@bufbuild/protobuf";
import type { CircuitBreaker } from "./circuit-breaker.js";
import type { Clock } from "./clock.js";
import { InvalidOptionError, isTsaktError, PipeTimeoutError } from "./errors.js";
import { PipeFailureSchema } from "./gen/tsakt/actor/v1/system_pb.js";
import type { PID } from "./pid.js";

/** Options of ctx.pipeTo. */
export interface PipeToOptions {
  /** Past this, a PipeFailure with code "PipeTimeout" is delivered and the task's late result is dropped. Default: Infinity (no limit). */
  timeoutMs?: number;
  /** Runs the task through this breaker: while it is open the task is not started and a PipeFailure with code "CircuitOpen" is delivered. Default: none. */
  breaker?: CircuitBreaker;
}

/** A promise, or a function starting the work (so an open breaker can skip it). */
export type PipeTask = PromiseLike<unknown> | (() => PromiseLike<unknown>);

/** What pipeTo needs of the piping actor. */
export interface PipeHost extends PID {
  readonly runtime: {
    readonly clock: Clock;
    deadLetter(message: unknown, sender: PID | undefined, receiver: string, reason: string): void;
  };
}

/** Throws InvalidOptionError naming the field when pipeTo options are wrong. */
function validate(options: PipeToOptions): void {
  const t = options.timeoutMs;
  if (t !== undefined && !(typeof t === "number" && t > 0))
    throw new InvalidOptionError("pipeTo.timeoutMs", `must be a number > 0 (Infinity for no limit), got ${String(t)}`);
  if (options.breaker !== undefined && typeof options.breaker.call !== "function")
    throw new InvalidOptionError("pipeTo.breaker", "must be a CircuitBreaker");
}

/** Delivers the task's value, or a PipeFailure, to `to` with `self` as the sender: once, whichever comes first of result and timeout. */
export function pipe(self: PipeHost, task: PipeTask, to: PID, options: PipeToOptions | undefined): void {
  if (options === undefined) {
    const promise = typeof task === "function" ? start(task) : task;
    promise.then(
      (value) => to.tell(value, self),
      (error: unknown) => to.tell(pipeFailure(error), self),
    );
    return;
  }
  validate(options);
  const breaker = options.breaker;
  const promise =
    breaker !== undefined ? breaker.call(typeof task === "function" ? task : () => task) : typeof task === "function" ? start(task) : task;
  const timeoutMs = options.timeoutMs ?? Infinity;
  let done = false;
  const clock = self.runtime.clock;
  const timer =
    timeoutMs === Infinity
      ? undefined
      : clock.setTimeout(() => {
          if (done) return;
          done = true;
          to.tell(pipeFailure(new PipeTimeoutError(self.address, timeoutMs)), self);
        }, timeoutMs);
  const settle = (message: unknown): void => {
    if (done) {
      self.runtime.deadLetter(message, self, to.address, "pipeTo result after its timeout");
      return;
    }
    done = true;
    if (timer !== undefined) clock.clearTimeout(timer);
    to.tell(message, self);
  };
  promise.then(settle, (error: unknown) => settle(pipeFailure(error)));
}

function start(task: () => PromiseLike<unknown>): PromiseLike<unknown> {
  try {
    return task();
  } catch (error) {
    return Promise.reject(error);
  }
}

/** The PipeFailure message for a rejection: the error's name, TsAkt code and message. */
export function pipeFailure(error: unknown) {
  const e = error instanceof Error ? error : new Error(String(error));
  return create(PipeFailureSchema, { name: e.name, code: isTsaktError(e) ? e.code : "", message: e.message });
}
