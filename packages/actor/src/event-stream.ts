import { type DescMessage, isMessage, type MessageShape } from "@bufbuild/protobuf";
import type { Logger } from "./logger.js";

/** A callback for events. */
export type EventListener<E = unknown> = (event: E) => void;

/** Options of an event iterator. */
export interface EventIteratorOptions {
  /** Ends the iteration when aborted. */
  signal?: AbortSignal;
  /** Events kept for a slow reader; older ones are dropped past it. Default: 1024. */
  bufferSize?: number;
}

/** The system's publish/subscribe channel for lifecycle events, dead letters and cluster events. */
export class EventStream {
  private listeners: ReadonlyArray<EventListener> = [];

  constructor(private readonly logger: Logger) {}

  /** Number of live subscriptions. */
  get subscriberCount(): number {
    return this.listeners.length;
  }

  /** Calls `listener` for every event (or only events of `schema`); returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void;
  subscribe<D extends DescMessage>(schema: D, listener: EventListener<MessageShape<D>>): () => void;
  subscribe(a: EventListener | DescMessage, b?: EventListener<never>): () => void {
    const listener: EventListener = typeof a === "function" ? a : (event) => isMessage(event, a) && (b as EventListener)(event);
    this.listeners = [...this.listeners, listener];
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** Iterates events as they are published, from now on, until the signal aborts or the loop breaks. */
  events(options: EventIteratorOptions = {}): AsyncIterableIterator<unknown> {
    const max = options.bufferSize ?? 1024;
    const buffer: unknown[] = [];
    let wake: ((r: IteratorResult<unknown>) => void) | undefined;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      unsubscribe();
      options.signal?.removeEventListener("abort", finish);
      wake?.({ value: undefined, done: true });
      wake = undefined;
    };
    const unsubscribe = this.subscribe((event) => {
      if (wake !== undefined) {
        const w = wake;
        wake = undefined;
        w({ value: event, done: false });
      } else {
        if (buffer.length >= max) buffer.shift();
        buffer.push(event);
      }
    });
    if (options.signal?.aborted) finish();
    else options.signal?.addEventListener("abort", finish, { once: true });
    return {
      next: () => {
        if (buffer.length > 0) return Promise.resolve({ value: buffer.shift(), done: false });
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (wake = resolve));
      },
      return: () => {
        finish();
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /** Delivers `event` to every subscriber; a throwing subscriber is logged and skipped. */
  publish(event: unknown): void {
    const listeners = this.listeners;
    for (let i = 0; i < listeners.length; i++) {
      try {
        (listeners[i] as EventListener)(event);
      } catch (error) {
        this.logger.error({ err: error }, "event stream subscriber threw; it stays subscribed");
      }
    }
  }
}
