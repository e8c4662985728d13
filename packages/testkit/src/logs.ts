import { type LogBindings, type LogFn, type Logger, type LogLevel, logLevels } from "@tsakt/actor";

/** A level a logger writes at ("trace" … "fatal"). */
export type LogEntryLevel = (typeof logLevels)[number];

/** One entry a capturing logger received: its level, message and fields (bindings of child loggers included). */
export interface LogEntry {
  readonly level: LogEntryLevel;
  readonly msg: string | undefined;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** A Logger that keeps what it is given, for tests that check what a system logged. */
export interface CapturingLogger extends Logger {
  /** Every entry, in order, from this logger and all its children. */
  readonly entries: readonly LogEntry[];
  /** The entries at `level` or above, e.g. `atOrAbove("warn")` for warnings, errors and fatal ones. */
  atOrAbove(level: Exclude<LogLevel, "silent">): LogEntry[];
  /** One line per entry ("warn message {fields}"), for failure messages. */
  format(entries?: readonly LogEntry[]): string;
  /** Forgets the entries so far. */
  clear(): void;
}

const rank = new Map<string, number>(logLevels.map((level, i) => [level, i]));

/** A Logger that records entries of every level in memory (nothing is printed); children add their bindings. */
export function capturingLogger(bindings: LogBindings = {}): CapturingLogger {
  const entries: LogEntry[] = [];
  const make = (base: LogBindings): Logger => {
    const fn = (level: LogEntryLevel): LogFn =>
      ((a: string | object, b?: string) => {
        entries.push(typeof a === "string" ? { level, msg: a, fields: { ...base } } : { level, msg: b, fields: { ...base, ...a } });
      }) as LogFn;
    return {
      trace: fn("trace"),
      debug: fn("debug"),
      info: fn("info"),
      warn: fn("warn"),
      error: fn("error"),
      fatal: fn("fatal"),
      child: (more) => make({ ...base, ...more }),
    };
  };
  return {
    ...make(bindings),
    entries,
    atOrAbove: (level) => entries.filter((e) => (rank.get(e.level) ?? 0) >= (rank.get(level) ?? 0)),
    format: (list = entries) => list.map((e) => `${e.level} ${e.msg ?? ""} ${safeJson(e.fields)}`).join("\n"),
    clear: () => {
      entries.length = 0;
    },
  };
}

function safeJson(fields: Readonly<Record<string, unknown>>): string {
  try {
    return JSON.stringify(fields, (_k, v: unknown) =>
      typeof v === "bigint" ? v.toString() : v instanceof Error ? `${v.name}: ${v.message}` : v,
    );
  } catch {
    return "[fields not serializable]";
  }
}
