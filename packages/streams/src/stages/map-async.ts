import { DONE, type Pull, Stage } from "../pull.js";

/**
 * mapAsync(parallelism, fn): runs `fn` on up to `parallelism` elements at once and emits the results in upstream
 * order. It pulls ahead only while fewer than `parallelism` calls are unfinished or unread, so it never holds more.
 */
export class MapAsyncStage<I, O> extends Stage<I, O> {
  private readonly inFlight: Array<Promise<O>> = [];
  private pulling: Promise<void> | undefined = undefined;
  private upDone = false;
  private upError: { error: unknown } | undefined = undefined;

  constructor(
    up: Pull<I>,
    private readonly parallelism: number,
    private readonly fn: (element: I) => O | Promise<O>,
  ) {
    super(up);
  }

  async next(): Promise<IteratorResult<O, unknown>> {
    for (;;) {
      if (this.closed) return DONE;
      this.pullMore();
      const head = this.inFlight[0];
      if (head !== undefined) {
        const value = await head; // it counts against parallelism until it is done
        if (this.closed) return DONE;
        this.inFlight.shift();
        this.pullMore();
        return { done: false, value };
      }
      if (this.upError !== undefined) throw this.upError.error;
      if (this.upDone) return DONE;
      await this.pulling;
    }
  }

  /** Starts pulling the next upstream element when there is room and no pull is under way. */
  private pullMore(): void {
    if (this.pulling !== undefined || this.upDone || this.closed || this.upError !== undefined) return;
    if (this.inFlight.length >= this.parallelism) return;
    this.pulling = this.up.next().then(
      (r) => {
        this.pulling = undefined;
        if (r.done || this.closed) {
          this.upDone = true;
          return;
        }
        const call = Promise.resolve().then(() => this.fn(r.value));
        call.catch(() => undefined); // read (and thrown) in order by next()
        this.inFlight.push(call);
        this.pullMore();
      },
      (error: unknown) => {
        this.pulling = undefined;
        this.upError = { error };
      },
    );
  }

  protected override onCancel(): void {
    this.inFlight.length = 0;
  }
}
