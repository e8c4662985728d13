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
