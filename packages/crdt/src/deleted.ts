/**
 * The tombstone of a deleted key: it wins every merge, so once a replica deletes a key, every replica that hears of
 * it holds the tombstone and the key cannot be used again (as in Akka Distributed Data). Use a new key instead.
 */
export class Deleted {
  private static readonly only = new Deleted();
  /** Always "Deleted". */
  readonly type = "Deleted" as const;

  private constructor() {}

  /** The tombstone (there is only one). */
  static get instance(): Deleted {
    return Deleted.only;
  }

  /** Always the tombstone. */
  merge(_other: unknown): Deleted {
    return this;
  }

  /** True for the tombstone. */
  equals(other: unknown): boolean {
    return other instanceof Deleted;
  }

  /** For logs. */
  toString(): string {
    return "Deleted";
  }
}
