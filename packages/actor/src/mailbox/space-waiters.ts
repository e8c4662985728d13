/** Senders waiting in send() for room in a full mailbox, woken one per freed slot (bounded and priority mailboxes). */
export class SpaceWaiters {
  private waiters: Array<() => void> | undefined = undefined;

  /** Undefined when there is room now and nobody waits before us; else a promise resolved when a slot frees. */
  wait(hasRoom: boolean): Promise<void> | undefined {
    if (hasRoom && this.waiters === undefined) return undefined;
    return new Promise<void>((resolve) => (this.waiters ??= []).push(resolve));
  }

  /** Wakes the oldest waiter (a slot just freed). */
  wakeOne(): void {
    const waiters = this.waiters;
    if (waiters === undefined) return;
    const wake = waiters.shift();
    if (waiters.length === 0) this.waiters = undefined;
    wake?.();
  }

  /** Wakes every waiter (the actor stopped; their send then finds it dead). */
  wakeAll(): void {
    const waiters = this.waiters;
    this.waiters = undefined;
    if (waiters !== undefined) for (const wake of waiters) wake();
  }
}
