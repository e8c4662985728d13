import { InvalidOptionError, messageOf, TsaktError } from "./errors.js";
import type { Logger } from "./logger.js";
import { isPositiveInt } from "./mailbox/options.js";

/** What happens when a shutdown hook fails or times out. */
export type ShutdownRecovery = "fail" | "retry-then-fail" | "skip" | "retry-then-skip";

/** A step of coordinated shutdown, run by system.stop() before actors stop, in the order added. */
export interface ShutdownHook {
  /** Name for logs and errors. */
  name: string;
  /** The work, for example flushing a buffer or leaving a cluster. */
  run(): void | Promise<void>;
  /** Longest the hook may take; past it the attempt counts as failed. Default: 5000. */
  timeoutMs?: number;
  /** "fail" skips the remaining hooks and makes stop() reject; "skip" logs and goes on; "retry-then-…" retries first. Default: "skip". */
  recovery?: ShutdownRecovery;
  /** Extra attempts for the retry recoveries. Default: 2. */
  retries?: number;
  /** Pause between attempts. Default: 100. */
  retryDelayMs?: number;
}

/** A shutdown hook failed under the "fail" recovery; actors were still stopped. */
export class ShutdownHookError extends TsaktError {
  constructor(
    readonly hook: string,
    cause: unknown,
  ) {
    super(
      "ShutdownHookFailed",
      `shutdown hook "${hook}" failed: ${messageOf(cause)}; the remaining hooks were skipped and actors stopped`,
      { cause },
    );
  }
}

const recoveries: ReadonlySet<string> = new Set(["fail", "retry-then-fail", "skip", "retry-then-skip"]);

/** Throws InvalidOptionError naming the field when `hook` is not a valid shutdown hook. */
export function validateShutdownHook(hook: unknown, field = "shutdownHooks"): asserts hook is ShutdownHook {
  if (typeof hook !== "object" || hook === null) throw new InvalidOptionError(field, "must be an object { name, run }");
  const h = hook as Record<string, unknown>;
  if (typeof h.name !== "string" || h.name.length === 0) throw new InvalidOptionError(`${field}.name`, "must be a non-empty string");
  if (typeof h.run !== "function") throw new InvalidOptionError(`${field}.run`, "must be a function");
  if (h.timeoutMs !== undefined && !isPositiveInt(h.timeoutMs))
    throw new InvalidOptionError(`${field}.timeoutMs`, `must be a positive whole number, got ${String(h.timeoutMs)}`);
  if (h.recovery !== undefined && !recoveries.has(h.recovery as string))
    throw new InvalidOptionError(
      `${field}.recovery`,
      `must be fail, retry-then-fail, skip or retry-then-skip, got ${JSON.stringify(h.recovery)}`,
    );
  if (h.retries !== undefined && !(Number.isInteger(h.retries) && (h.retries as number) >= 0))
    throw new InvalidOptionError(`${field}.retries`, `must be a whole number >= 0, got ${String(h.retries)}`);
  if (h.retryDelayMs !== undefined && !(Number.isInteger(h.retryDelayMs) && (h.retryDelayMs as number) >= 0))
    throw new InvalidOptionError(`${field}.retryDelayMs`, `must be a whole number >= 0, got ${String(h.retryDelayMs)}`);
}

/** Runs the hooks in order with their timeouts and recoveries; returns the error of a failed "fail" hook, if any. */
export async function runShutdownHooks(hooks: readonly ShutdownHook[], logger: Logger): Promise<ShutdownHookError | undefined> {
  for (const hook of hooks) {
    const recovery = hook.recovery ?? "skip";
    const attempts = recovery.startsWith("retry") ? 1 + (hook.retries ?? 2) : 1;
    let lastError: unknown;
    let ok = false;
    for (let attempt = 1; attempt <= attempts && !ok; attempt++) {
      try {
        await withTimeout(hook, hook.timeoutMs ?? 5000);
        ok = true;
      } catch (error) {
        lastError = error;
        logger.warn({ hook: hook.name, attempt, attempts, err: error }, "shutdown hook failed");
        if (attempt < attempts) await new Promise((r) => setTimeout(r, hook.retryDelayMs ?? 100));
      }
    }
    if (ok) continue;
    if (recovery === "fail" || recovery === "retry-then-fail") return new ShutdownHookError(hook.name, lastError);
    logger.error({ hook: hook.name, err: lastError }, "shutdown hook skipped after failing");
  }
  return undefined;
}

async function withTimeout(hook: ShutdownHook, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(() => hook.run()),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
