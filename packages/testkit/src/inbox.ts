import type { PID } from "@tsakt/actor";

/** One message a probe received, with its sender. */
export interface Envelope {
  readonly message: unknown;
  readonly sender: PID | undefined;
}

interface Waiter {
  resolve(envelope: Envelope | undefined): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout;
}

/** The messages a probe received and not yet taken, plus the expectations waiting for the next one, oldest first. */
export class Inbox {
  private readonly queue: Envelope[] = [];
  private readonly waiters: Waiter[] = [];
  private closedWith: unknown = undefined;
  private closed = false;

  /** Number of messages received and not yet taken. */
  get size(): number {
    return this.queue.length;
  }

  /** Hands `envelope` to the oldest waiting expectation, or keeps it for the next one. */
  push(envelope: Envelope): void {
    const waiter = this.waiters.shift();
    if (waiter === undefined) {
      this.queue.push(envelope);
      return;
    }
    clearTimeout(waiter.timer);
    waiter.resolve(envelope);
  }

  /** The next message, or undefined when none arrives within `timeoutMs`; rejects once closed and empty. */
  take(timeoutMs: number): Promise<Envelope | undefined> {
    const next = this.queue.shift();
    if (next !== undefined) return Promise.resolve(next);
    if (this.closed) return Promise.reject(this.closedWith);
    return new Promise<Envelope | undefined>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          resolve(undefined);
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Fails every waiting expectation and later ones that find the inbox empty with `error` (the probe stopped). */
  close(error: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.closedWith = error;
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
  }
}
