import { DONE, type Pull, Stage } from "../pull.js";

/** map(fn): each element through `fn` (awaited when it returns a promise), one at a time. */
export class MapStage<I, O> extends Stage<I, O> {
  constructor(
    up: Pull<I>,
    private readonly fn: (element: I) => O | Promise<O>,
  ) {
    super(up);
  }

  async next(): Promise<IteratorResult<O, unknown>> {
    if (this.closed) return DONE;
    const r = await this.up.next();
    if (r.done || this.closed) return DONE;
    return { done: false, value: await this.fn(r.value) };
  }
}

/** filter(predicate): only the elements for which `predicate` is true (awaited when it returns a promise). */
export class FilterStage<T> extends Stage<T, T> {
  constructor(
    up: Pull<T>,
    private readonly predicate: (element: T) => boolean | Promise<boolean>,
  ) {
    super(up);
  }

  async next(): Promise<IteratorResult<T, unknown>> {
    for (;;) {
      if (this.closed) return DONE;
      const r = await this.up.next();
      if (r.done || this.closed) return DONE;
      if (await this.predicate(r.value)) return r;
    }
  }
}

/** take(n): the first `n` elements, then cancels upstream and completes. */
export class TakeStage<T> extends Stage<T, T> {
  private taken = 0;

  constructor(
    up: Pull<T>,
    private readonly count: number,
  ) {
    super(up);
  }

  async next(): Promise<IteratorResult<T, unknown>> {
    if (this.closed) return DONE;
    if (this.taken >= this.count) {
      await this.return();
      return DONE;
    }
    const r = await this.up.next();
    if (r.done || this.closed) return DONE;
    this.taken++;
    return r;
  }
}
