import { Writable } from "node:stream";
import { StreamCancelledError } from "./errors.js";
import { optional, optionsObject, positiveInteger } from "./options.js";
import { ElementQueue, oneShot } from "./queue.js";
import type { Source } from "./source.js";

/** A Node Writable (object mode) whose writes become a stream's elements. */
export interface WritableSource<T> {
  /** Write elements here; write() returns false (and 'drain' follows) while the stream is behind. end() completes the stream, destroy(error) fails it. */
  readonly writable: Writable;
  /** The stream (one run). Cancelling it makes further writes fail with StreamCancelledError. */
  readonly source: Source<T>;
}

/** A Writable feeding a Source, with backpressure: a write's callback runs once the stream has room. Default highWaterMark: 16. */
export function writableSource<T = unknown>(options?: { highWaterMark?: number }): WritableSource<T> {
  const o = optionsObject(options, "{ highWaterMark? }");
  const highWaterMark = optional("highWaterMark", o.highWaterMark, positiveInteger, 16);
  const queue = new ElementQueue<T>(highWaterMark);
  const writable = new Writable({
    objectMode: true,
    highWaterMark,
    write(chunk: T, _encoding, callback) {
      queue
        .push(chunk)
        .then((taken) => callback(taken ? null : new StreamCancelledError("the stream reading this Writable was cancelled")), callback);
    },
    final(callback) {
      queue.complete();
      callback();
    },
    destroy(error, callback) {
      if (error !== null) queue.fail(error);
      else queue.complete();
      callback(error);
    },
  });
  return { writable, source: oneShot(queue, "a writable source") };
}
