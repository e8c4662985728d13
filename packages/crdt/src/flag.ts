import type { ReplicatedData } from "./types.js";

/**
 * A boolean that starts disabled and, once enabled anywhere, is enabled everywhere (enable wins). Its full state is
 * one bit, so it ships whole and has no delta.
 */
export class Flag implements ReplicatedData<Flag> {
  private static readonly off = new Flag(false);
  private static readonly on = new Flag(true);
  /** Always "Flag". */
  readonly type = "Flag" as const;

  private constructor(
    /** True once enabled. */
    readonly enabled: boolean,
  ) {}

  /** The disabled flag. */
  static empty(): Flag {
    return Flag.off;
  }

  /** The flag in the given state. */
  static of(enabled: boolean): Flag {
    return enabled ? Flag.on : Flag.off;
  }

  /** The same as `enabled`. */
  get value(): boolean {
    return this.enabled;
  }

  /** The enabled flag; there is no way back. */
  enable(): Flag {
    return Flag.on;
  }

  /** Enabled when either side is. */
  merge(other: Flag): Flag {
    return this.enabled || !other.enabled ? this : other;
  }

  /** True when both are in the same state. */
  equals(other: Flag): boolean {
    return this.enabled === other.enabled;
  }

  /** For logs: `Flag(true)`. */
  toString(): string {
    return `Flag(${this.enabled})`;
  }
}
