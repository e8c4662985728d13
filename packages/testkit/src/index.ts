export { ProbeExpectationError, ProbeTimeoutError } from "./errors.js";
export { defaultNoMessageMs, defaultTimeoutMs, type ProbeOptions, probe, TestProbe } from "./probe.js";
