/** One log method, shaped like pino's: `(msg)` or `(obj, msg?)`. */
export interface LogFn {
  (msg: string): void;
  (obj: object, msg?: string): void;
}

/** The logger TsAkt writes to; a pino logger fits as is. */
export interface Logger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

/** Log levels from most to least verbose. */
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "silent";

const levels: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, silent: 100 };
const noop: LogFn = () => {};

/** A logger that drops everything. */
export const silentLogger: Logger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop };

/** A small logger writing one JSON line per entry to stderr at `level` and above. Default level: "warn". */
export function consoleLogger(level: LogLevel = "warn", bindings: Record<string, unknown> = {}): Logger {
  const min = levels[level];
  const make = (name: Exclude<LogLevel, "silent">): LogFn => {
    if (levels[name] < min) return noop;
    return ((a: string | object, b?: string) => {
      const entry = typeof a === "string" ? { msg: a } : { ...a, msg: b };
      process.stderr.write(`${JSON.stringify({ level: name, time: Date.now(), ...bindings, ...entry }, errorReplacer)}\n`);
    }) as LogFn;
  };
  return { trace: make("trace"), debug: make("debug"), info: make("info"), warn: make("warn"), error: make("error") };
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, code: (value as { code?: unknown }).code };
  return value;
}
