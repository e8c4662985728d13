/** One log method, shaped like pino's: `(msg)` or `(obj, msg?)`. */
export interface LogFn {
  (msg: string): void;
  (obj: object, msg?: string): void;
}

/** Key/value pairs a child logger adds to every entry, e.g. `{ node: "n1" }`. */
export type LogBindings = Record<string, unknown>;

/** The logger TsAkt writes to; a pino logger fits as is. */
export interface Logger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  /** The process cannot go on. */
  fatal: LogFn;
  /** A logger that adds `bindings` to every entry it writes (and keeps this one's). */
  child(bindings: LogBindings): Logger;
}

/** What `ActorSystem.start({ logger })` accepts: a Logger, or one with only trace…error (fatal and child are then derived). */
export type LoggerLike = Pick<Logger, "trace" | "debug" | "info" | "warn" | "error"> & Partial<Pick<Logger, "fatal" | "child">>;

/** Log levels from most to least verbose. */
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

/** The levels a Logger writes at, most verbose first. */
export const logLevels = ["trace", "debug", "info", "warn", "error", "fatal"] as const;

const levels: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: 100 };
const noop: LogFn = () => {};

/** A logger that drops everything. */
export const silentLogger: Logger = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  fatal: noop,
  child: () => silentLogger,
};

/** Where consoleLogger writes each line (newline included). Default: process.stderr. */
export type LogWriter = (line: string) => void;

const toStderr: LogWriter = (line) => {
  process.stderr.write(line);
};

/**
 * A small logger writing one JSON line per entry at `level` and above to `write`, with `bindings` on every line.
 * Errors are written with name, message, code, stack and cause. Defaults: level "warn", no bindings, stderr.
 */
export function consoleLogger(level: LogLevel = "warn", bindings: LogBindings = {}, write: LogWriter = toStderr): Logger {
  const min = levels[level];
  const make = (name: (typeof logLevels)[number]): LogFn => {
    if (levels[name] < min) return noop;
    return ((a: string | object, b?: string) => {
      const entry = typeof a === "string" ? { msg: a } : { ...a, msg: b };
      write(`${toJsonLine({ level: name, time: Date.now(), ...bindings, ...entry })}\n`);
    }) as LogFn;
  };
  return {
    trace: make("trace"),
    debug: make("debug"),
    info: make("info"),
    warn: make("warn"),
    error: make("error"),
    fatal: make("fatal"),
    child: (more) => consoleLogger(level, { ...bindings, ...more }, write),
  };
}

/** `logger` as a full Logger: a missing `fatal` writes to `error`, a missing `child` adds its bindings to each entry. */
export function toLogger(logger: LoggerLike): Logger {
  if (typeof logger.fatal === "function" && typeof logger.child === "function") return logger as Logger;
  return bindLogger(logger, undefined);
}

function bindLogger(base: LoggerLike, bindings: LogBindings | undefined): Logger {
  const wrap = (fn: LogFn): LogFn => {
    if (bindings === undefined) return fn.bind(base) as LogFn;
    return ((a: string | object, b?: string) =>
      typeof a === "string" ? fn.call(base, bindings, a) : fn.call(base, { ...bindings, ...a }, b)) as LogFn;
  };
  return {
    trace: wrap(base.trace),
    debug: wrap(base.debug),
    info: wrap(base.info),
    warn: wrap(base.warn),
    error: wrap(base.error),
    fatal: wrap(base.fatal ?? base.error),
    child: (more) =>
      typeof base.child === "function" && bindings === undefined ? toLogger(base.child(more)) : bindLogger(base, { ...bindings, ...more }),
  };
}

/** Serializes a log entry; never throws (when the entry has a cycle, objects met again are written as "[Circular]"). */
function toJsonLine(entry: object): string {
  try {
    return JSON.stringify(entry, plainReplacer);
  } catch {
    return JSON.stringify(entry, cycleReplacer());
  }
}

function plainReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  return value instanceof Error ? serializeError(value) : value;
}

function cycleReplacer(): (key: string, value: unknown) => unknown {
  const seen = new WeakSet<object>();
  return (_key, value) => {
    if (typeof value !== "object" || value === null) return plainReplacer(_key, value);
    if (seen.has(value)) return "[Circular]";
    seen.add(value);
    return plainReplacer(_key, value);
  };
}

function serializeError(error: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { name: error.name, message: error.message };
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (code !== undefined) out.code = code;
  if (error.stack !== undefined) out.stack = error.stack;
  if (cause !== undefined) out.cause = cause;
  if (Array.isArray(errors)) out.errors = errors;
  return out;
}
