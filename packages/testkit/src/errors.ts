import { TsaktError } from "@tsakt/actor";
import { describeValue } from "./describe-value.js";

/** A probe waited for messages that did not arrive in time; the message says what was expected and what came. */
export class ProbeTimeoutError extends TsaktError {
  constructor(
    /** Name of the probe that waited. */
    readonly probe: string,
    /** What the probe was waiting for, in words. */
    readonly expected: string,
    /** How long it waited, in milliseconds. */
    readonly timeoutMs: number,
    /** What arrived meanwhile, in words ("nothing" when empty). */
    readonly received: string,
  ) {
    super(
      "ProbeTimeout",
      `probe ${probe} timed out after ${timeoutMs} ms expecting ${expected}; received ${received}. ` +
        "Check that the code under test sends to the probe's pid, or raise timeoutMs",
    );
  }
}

/** A probe received a message that is not the one expected (or one when none was expected). */
export class ProbeExpectationError extends TsaktError {
  constructor(
    /** Name of the probe that received the message. */
    readonly probe: string,
    /** What the probe expected, in words. */
    readonly expected: string,
    /** The message that arrived instead. */
    readonly actual: unknown,
    /** Why it does not match, in words. */
    reason: string,
  ) {
    super("ProbeExpectation", `probe ${probe} expected ${expected} but received ${describeValue(actual)}: ${reason}`);
  }
}

/** eventually() gave up: the condition did not hold within its time. */
export class ConditionTimeoutError extends TsaktError {
  constructor(
    /** What was waited for, in words. */
    readonly what: string,
    /** How long it waited, in milliseconds (of the test clock when one drove it). */
    readonly timeoutMs: number,
    /** The last error the check threw, if it threw. */
    cause?: unknown,
  ) {
    super("ConditionTimeout", `timed out after ${timeoutMs} ms waiting for ${what}`, cause === undefined ? undefined : { cause });
  }
}

/** staysTrue() saw its condition turn false. */
export class ConditionBrokenError extends TsaktError {
  constructor(
    /** What was meant to stay true, in words. */
    readonly what: string,
    /** How long after the start it broke, in milliseconds. */
    readonly afterMs: number,
    cause?: unknown,
  ) {
    super("ConditionBroken", `${what} stopped holding after ${afterMs} ms`, cause === undefined ? undefined : { cause });
  }
}
