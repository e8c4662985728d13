export { ProbeExpectationError, ProbeTimeoutError } from "./errors.js";
export { defaultNoMessageMs, defaultTimeoutMs, probe, type ProbeOptions, TestProbe } from "./probe.js";
