import { InvalidOptionError } from "@tsakt/actor";
import type { GrainFactory } from "./grain.js";
import { type GrainStateConfig, type GrainStateOptions, type GrainStateStore, resolveStateOptions } from "./state-options.js";

/** How the activations of one grain kind behave. */
export interface GrainKindOptions {
  /** Deactivate an activation after this long without a message (timer messages do not count). Default: 120000 (2 minutes). */
  idleMs?: number;
  /** Never deactivate for being idle, only when the system stops. Default: false. */
  longLived?: boolean;
  /** Let other messages run while an async onReceive awaits (interleaving). Default: false (one message at a time). */
  reentrant?: boolean;
  /**
   * Longest an activation (directory claim, state load, factory and onActivate) may take before callers get
   * GrainActivationTimeoutError. Default: 3000, below the default ask timeout (5000) so a stuck activation
   * reports as such rather than as an AskTimeoutError.
   */
  activationTimeoutMs?: number;
}

/**
 * A grain kind: the factory of its grains, their options and, for grains with persistent state, where and as what
 * it is stored. `S` is the state's type (`GrainKindDefinition<Balance>` checks the factory and the schema agree).
 */
export interface GrainKindDefinition<S = unknown> extends GrainKindOptions {
  /** Makes a fresh grain for each activation. */
  factory: GrainFactory<S>;
  /** Persistent state, loaded before onActivate and saved by ctx.writeState(). Default: none. */
  state?: GrainStateOptions<S>;
}

/** Idle time after which a grain deactivates when its kind sets none. */
export const defaultIdleMs = 120_000;

/** Activation time limit when a kind sets none. */
export const defaultActivationTimeoutMs = 3_000;

/** A registered kind with its defaults applied. */
export interface GrainKind {
  readonly name: string;
  readonly factory: GrainFactory;
  /** Undefined for a long-lived kind. */
  readonly idleMs: number | undefined;
  readonly reentrant: boolean;
  readonly activationTimeoutMs: number;
  /** Undefined for a kind without persistent state. */
  readonly state: GrainStateConfig | undefined;
}

const known = new Set(["factory", "idleMs", "longLived", "reentrant", "activationTimeoutMs", "state"]);
// setTimeout and setInterval take at most 2^31 - 1 ms.
const maxTimerMs = 2_147_483_647;

/** Checks `definition` (InvalidOptionError naming `${field}.<option>`) and applies the defaults; `stateStore` is the plugin's default store. */
export function resolveKind(name: string, definition: unknown, field: string, stateStore?: GrainStateStore): GrainKind {
  if (typeof definition !== "object" || definition === null)
    throw new InvalidOptionError(field, "must be an object { factory, idleMs?, longLived?, reentrant?, activationTimeoutMs?, state? }");
  const d = definition as Record<string, unknown>;
  for (const key of Object.keys(d))
    if (!known.has(key)) throw new InvalidOptionError(`${field}.${key}`, `is not a grain kind option (known: ${[...known].join(", ")})`);
  if (typeof d.factory !== "function") throw new InvalidOptionError(`${field}.factory`, "must be a function (identity) => grain");
  if (d.longLived !== undefined && typeof d.longLived !== "boolean")
    throw new InvalidOptionError(`${field}.longLived`, "must be a boolean");
  if (d.reentrant !== undefined && typeof d.reentrant !== "boolean")
    throw new InvalidOptionError(`${field}.reentrant`, "must be a boolean");
  if (d.idleMs !== undefined) {
    if (!isTimerMs(d.idleMs))
      throw new InvalidOptionError(`${field}.idleMs`, `must be a positive whole number of milliseconds, got ${String(d.idleMs)}`);
    if (d.longLived === true)
      throw new InvalidOptionError(
        `${field}.idleMs`,
        "cannot be combined with longLived: true (a long-lived grain is never idle-deactivated)",
      );
  }
  if (d.activationTimeoutMs !== undefined && !isTimerMs(d.activationTimeoutMs))
    throw new InvalidOptionError(
      `${field}.activationTimeoutMs`,
      `must be a positive whole number of milliseconds, got ${String(d.activationTimeoutMs)}`,
    );
  return {
    name,
    factory: d.factory as GrainFactory,
    idleMs: d.longLived === true ? undefined : ((d.idleMs as number | undefined) ?? defaultIdleMs),
    reentrant: d.reentrant === true,
    activationTimeoutMs: (d.activationTimeoutMs as number | undefined) ?? defaultActivationTimeoutMs,
    state: d.state === undefined ? undefined : resolveStateOptions(d.state, `${field}.state`, stateStore),
  };
}

function isTimerMs(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value > 0 && value <= maxTimerMs;
}
