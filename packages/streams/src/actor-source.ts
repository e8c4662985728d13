import { isMessage } from "@bufbuild/protobuf";
import type { ActorSystem, PID, ReceiveContext } from "@tsakt/actor";
import { InvalidOptionError, PostStartSchema } from "@tsakt/actor";
import { reliableConsumer } from "@tsakt/delivery";
import { BufferOverflowError } from "./errors.js";
import { optional, optionsObject, positiveInteger } from "./options.js";
import { ElementQueue, oneShot } from "./queue.js";
import type { Source } from "./source.js";

/** Options of actorSource(system, options). */
export interface ActorSourceOptions {
  /** Name of the actor under /user. Default: a generated "stream-source-<n>". */
  name?: string;
  /** Most elements held until the stream pulls them. Default: 100. */
  bufferSize?: number;
  /** When the buffer is full: "fail" fails the stream with BufferOverflowError; "backpressure" makes the actor wait for room (its mailbox is bounded by bufferSize, so tell returns false and pid.send waits). Default: "fail". */
  overflow?: "fail" | "backpressure";
}

/** An actor whose messages become a stream's elements. */
export interface ActorSource<T> {
  /** The actor: every message told to it is an element. */
  readonly pid: PID;
  /** The stream (one run): its elements are the actor's messages in arrival order. */
  readonly source: Source<T>;
  /** Completes the stream after the elements received so far, and stops the actor. */
  complete(): void;
  /** Fails the stream with `error` after the elements received so far, and stops the actor. */
  fail(error: unknown): void;
}

let actorSources = 0;

/**
 * Spawns the actor `spawn` makes around a queue of `bufferSize` and returns the one-shot source that reads it;
 * cancelling the stream, complete() and fail() stop the actor.
 */
async function queuedActor<T>(
  system: ActorSystem,
  bufferSize: number,
  what: string,
  spawn: (queue: ElementQueue<T>, stop: () => void) => Promise<PID>,
): Promise<ActorSource<T>> {
  let pid: PID | undefined;
  const stop = () => {
    if (pid !== undefined && system.isRunning) void system.stopActor(pid).catch(() => undefined);
  };
  const queue = new ElementQueue<T>(bufferSize, { onCancel: stop });
  pid = await spawn(queue, stop);
  return {
    pid,
    source: oneShot(queue, `${what} ${pid.path}`),
    complete() {
      queue.complete();
      stop();
    },
    fail(error) {
      queue.fail(error);
      stop();
    },
  };
}

/** Spawns an actor whose messages are a stream's elements (one run); cancelling the stream stops the actor. */
export async function actorSource<T = unknown>(system: ActorSystem, options?: ActorSourceOptions): Promise<ActorSource<T>> {
  const o = optionsObject(options, "{ name?, bufferSize?, overflow? }");
  const bufferSize = optional("bufferSize", o.bufferSize, positiveInteger, 100);
  const overflow = o.overflow ?? "fail";
  if (overflow !== "fail" && overflow !== "backpressure") throw new InvalidOptionError("overflow", 'must be "fail" or "backpressure"');
  if (o.name !== undefined && (typeof o.name !== "string" || o.name.length === 0))
    throw new InvalidOptionError("name", "must be a non-empty string");
  const name = (o.name as string | undefined) ?? `stream-source-${++actorSources}`;
  return queuedActor<T>(system, bufferSize, "the actor source", (queue, stop) =>
    system.spawn(
      name,
      () => ({
        receive(ctx: ReceiveContext) {
          if (isMessage(ctx.message, PostStartSchema)) return undefined;
          const element = ctx.message as T;
          if (overflow === "backpressure") return queue.push(element).then(() => undefined);
          if (!queue.offer(element) && !queue.closed) {
            queue.fail(new BufferOverflowError(bufferSize));
            stop();
          }
          return undefined;
        },
        postStop() {
          queue.complete();
        },
      }),
      overflow === "backpressure" ? { mailbox: { kind: "bounded", capacity: bufferSize } } : undefined,
    ),
  );
}

/** Options of reliableSource(system, name, options). */
export interface ReliableSourceOptions {
  /** Messages a producer may have outstanding with the consuming actor (the reliable consumer's window). Default: 100. */
  window?: number;
  /** Most delivered messages held until the stream pulls them; while full, confirmations stop and so do producers. Default: 100. */
  bufferSize?: number;
}

/**
 * Spawns a reliable consumer `name` (see @tsakt/delivery) whose delivered messages are a stream's elements (one run):
 * a message is confirmed once it is in the buffer, so a slow stream slows the reliable producers feeding it.
 */
export async function reliableSource<T = unknown>(
  system: ActorSystem,
  name: string,
  options?: ReliableSourceOptions,
): Promise<ActorSource<T>> {
  if (typeof name !== "string" || name.length === 0) throw new InvalidOptionError("name", "must be a non-empty actor name");
  const o = optionsObject(options, "{ window?, bufferSize? }");
  const window = optional("window", o.window, positiveInteger, 100);
  const bufferSize = optional("bufferSize", o.bufferSize, positiveInteger, 100);
  return queuedActor<T>(system, bufferSize, "the reliable source", (queue) =>
    system.spawn(
      name,
      reliableConsumer(
        () => ({
          receive: (ctx) => (isMessage(ctx.message, PostStartSchema) ? undefined : queue.push(ctx.message as T).then(() => undefined)),
          postStop: () => queue.complete(),
        }),
        { window },
      ),
    ),
  );
}
