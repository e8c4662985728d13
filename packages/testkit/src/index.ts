export { type ConditionOptions, eventually, staysTrue } from "./conditions.js";
export { ConditionBrokenError, ConditionTimeoutError, ProbeExpectationError, ProbeTimeoutError } from "./errors.js";
export { type CapturingLogger, capturingLogger, type LogEntry, type LogEntryLevel } from "./logs.js";
export { defaultNoMessageMs, defaultTimeoutMs, type ProbeOptions, probe, TestProbe } from "./probe.js";
export { seededRandom } from "./random.js";
export { TestClock } from "./test-clock.js";
