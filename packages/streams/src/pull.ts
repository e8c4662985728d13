/** The end of a stream, as an iterator result. */
export const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** How a stage pulls from the one before it: an async iterator; return() cancels upstream. */
export type Pull<T> = AsyncIterator<T, unknown, undefined>;

/** Cancels `pull` and ignores what that throws (a source that fails while being cancelled). */
export function cancelQuietly(pull: Pull<unknown>): Promise<void> {
  try {
    return Promise.resolve(pull.return?.()).then(
      () => undefined,
      () => undefined,
    );
  } catch {
    return Promise.resolve();
  }
}

/**
 * The base of the built-in stages: return() cancels upstream at once (it does not wait for a pending next), so a
 * cancel travels to the source even while a stage waits for an element.
 */
export abstract class Stage<I, O> implements Pull<O> {
  protected closed = false;

  constructor(protected readonly up: Pull<I>) {}

  abstract next(): Promise<IteratorResult<O, unknown>>;

  /** Cancels this stage and everything upstream. */
  async return(): Promise<IteratorResult<O, unknown>> {
    if (!this.closed) {
      this.closed = true;
      this.onCancel();
      await cancelQuietly(this.up);
    }
    return DONE;
  }

  /** Called once when the stage is cancelled, before upstream is. */
  protected onCancel(): void {}
}
