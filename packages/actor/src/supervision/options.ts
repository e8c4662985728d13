import { InvalidOptionError } from "../errors.js";
import { isPositiveInt } from "../mailbox/options.js";

/** What a supervisor does with a failed actor. */
export type Directive = "resume" | "restart" | "stop" | "escalate";

/** Whether a directive applies to the failed actor alone or to all its siblings too. */
export type SupervisionStrategy = "one-for-one" | "one-for-all";

/** Any error class, for mapping errors to directives. */
// biome-ignore lint: constructor signatures of user error classes vary
export type ErrorClass = abstract new (...args: any[]) => unknown;

/** Exponential delay between restarts: minMs, then ×factor each time, capped at maxMs. */
export interface BackoffOptions {
  /** First delay. */
  minMs: number;
  /** Longest delay. */
  maxMs: number;
  /** Growth per restart. Default: 2. */
  factor?: number;
}

/** How failures of an actor are handled; given per actor at spawn (GoAkt style) or system-wide. */
export interface SupervisorOptions {
  /** Default: "one-for-one". */
  strategy?: SupervisionStrategy;
  /** Directive for errors no rule matches. Default: "restart". */
  directive?: Directive;
  /** Error class → directive, checked in order with instanceof. Default: none. */
  rules?: ReadonlyArray<readonly [ErrorClass, Directive]>;
  /** Restarts allowed within `withinMs` before `onExhausted` applies. Default: Infinity. */
  maxRestarts?: number;
  /** Window for maxRestarts. Default: 60000. */
  withinMs?: number;
  /** What happens when the restart budget is spent: stop the actor, or suspend it until reinstated. Default: "stop". */
  onExhausted?: "stop" | "suspend";
  /** Delay restarts exponentially. Default: restart at once. */
  backoff?: BackoffOptions;
}

const directives: ReadonlySet<string> = new Set(["resume", "restart", "stop", "escalate"]);

/** Throws InvalidOptionError naming the field when `options` is not a valid supervisor spec. */
export function validateSupervisorOptions(options: unknown, field = "supervisor"): asserts options is SupervisorOptions {
  if (typeof options !== "object" || options === null) throw new InvalidOptionError(field, "must be an object");
  const o = options as Record<string, unknown>;
  if (o.strategy !== undefined && o.strategy !== "one-for-one" && o.strategy !== "one-for-all")
    throw new InvalidOptionError(`${field}.strategy`, `must be "one-for-one" or "one-for-all", got ${JSON.stringify(o.strategy)}`);
  if (o.directive !== undefined && !directives.has(o.directive as string))
    throw new InvalidOptionError(`${field}.directive`, `must be resume, restart, stop or escalate, got ${JSON.stringify(o.directive)}`);
  if (o.rules !== undefined) {
    if (!Array.isArray(o.rules)) throw new InvalidOptionError(`${field}.rules`, "must be an array of [ErrorClass, directive] pairs");
    o.rules.forEach((rule: unknown, i) => {
      if (!Array.isArray(rule) || typeof rule[0] !== "function" || !directives.has(rule[1] as string))
        throw new InvalidOptionError(`${field}.rules[${i}]`, 'must be [ErrorClass, "resume" | "restart" | "stop" | "escalate"]');
    });
  }
  if (o.maxRestarts !== undefined && o.maxRestarts !== Infinity && !(Number.isInteger(o.maxRestarts) && (o.maxRestarts as number) >= 0))
    throw new InvalidOptionError(`${field}.maxRestarts`, `must be a whole number >= 0 or Infinity, got ${String(o.maxRestarts)}`);
  if (o.withinMs !== undefined && !isPositiveInt(o.withinMs))
    throw new InvalidOptionError(`${field}.withinMs`, `must be a positive whole number of milliseconds, got ${String(o.withinMs)}`);
  if (o.onExhausted !== undefined && o.onExhausted !== "stop" && o.onExhausted !== "suspend")
    throw new InvalidOptionError(`${field}.onExhausted`, `must be "stop" or "suspend", got ${JSON.stringify(o.onExhausted)}`);
  if (o.backoff !== undefined) {
    const b = o.backoff as Record<string, unknown>;
    if (typeof b !== "object" || b === null)
      throw new InvalidOptionError(`${field}.backoff`, "must be an object { minMs, maxMs, factor? }");
    if (!isPositiveInt(b.minMs))
      throw new InvalidOptionError(`${field}.backoff.minMs`, `must be a positive whole number, got ${String(b.minMs)}`);
    if (!isPositiveInt(b.maxMs) || (b.maxMs as number) < (b.minMs as number))
      throw new InvalidOptionError(`${field}.backoff.maxMs`, `must be a whole number >= minMs, got ${String(b.maxMs)}`);
    if (b.factor !== undefined && !(typeof b.factor === "number" && b.factor >= 1))
      throw new InvalidOptionError(`${field}.backoff.factor`, `must be a number >= 1, got ${String(b.factor)}`);
  }
}
