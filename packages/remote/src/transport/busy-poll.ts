/**
 * Keeps the event loop polling sockets (through setImmediate, without blocking in epoll) for a short window after
 * traffic. An idle process otherwise sleeps in the kernel and waking it costs tens of microseconds per message on
 * many machines; a request/response exchange pays that twice per round trip. Spinning trades CPU for latency, so it
 * is bounded by the window and only runs after traffic.
 */
export class BusyPoll {
  private until = 0;
  private spinning = false;
  private readonly windowMs: number;

  constructor(windowMicros: number) {
    this.windowMs = windowMicros / 1000;
  }

  /** Traffic happened: keep polling for the next window. */
  poke(): void {
    this.until = performance.now() + this.windowMs;
    if (!this.spinning) {
      this.spinning = true;
      setImmediate(this.spin);
    }
  }

  /** Stops spinning (the node stopped). */
  stop(): void {
    this.until = 0;
  }

  private readonly spin = (): void => {
    if (performance.now() < this.until) setImmediate(this.spin);
    else this.spinning = false;
  };
}
