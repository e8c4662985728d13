/**
 * The one message value every library sends in every scenario. It is an object with a `type` because
 * xstate events must have one; TsAkt and nact accept any value, so they get the very same object.
 * Receivers compare by identity (`message === MSG`) to skip lifecycle messages such as TsAkt's PostStart.
 */
export const MSG = Object.freeze({ type: "msg" });

/** How long an ask/query may wait before failing (only nact requires one; TsAkt's default is 5000 too). */
export const ASK_TIMEOUT_MS = 5000;

/**
 * A countdown shared by the receivers of one round: each benchmark message decrements `left`; the
 * receiver that brings it to zero calls `done`. The same object is reused (reset) between rounds.
 */
export class Countdown {
  left = 0;
  /** @type {() => void} */
  done = () => {};

  /** Arms the countdown for `n` messages and returns a promise that settles when they were all processed. */
  arm(n) {
    this.left = n;
    return new Promise((resolve) => {
      this.done = resolve;
    });
  }

  /** Counts one processed message; called by receivers of every library. */
  tick() {
    if (--this.left === 0) this.done();
  }
}

/**
 * A self-feeding flood: `inflight` messages circulate through one actor, which sends each one back to
 * itself until `deadline` (performance.now() ms) has passed; after that each message retires.
 */
export class Flood {
  count = 0;
  over = false;
  inflight = 0;
  deadline = 0;
  /** @type {() => void} */
  done = () => {};

  /** Arms the flood for `inflight` circulating messages lasting `ms`; resolves when the last one retired. */
  arm(inflight, ms) {
    this.count = 0;
    this.over = false;
    this.inflight = inflight;
    this.deadline = performance.now() + ms;
    return new Promise((resolve) => {
      this.done = resolve;
    });
  }

  /** Called by the flooded actor per message; true means "send it to yourself again". */
  step() {
    // Reading the clock every 64 messages keeps the check cheap next to the fastest receive loops.
    if ((++this.count & 63) === 0 && !this.over && performance.now() >= this.deadline) this.over = true;
    if (!this.over) return true;
    if (--this.inflight === 0) this.done();
    return false;
  }
}
