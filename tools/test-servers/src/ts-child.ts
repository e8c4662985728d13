import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { trackPid, untrackPid } from "./cleanup.js";

const registerHooks = fileURLToPath(new URL("../loader/register.mjs", import.meta.url));

/** Options for spawnTsChild. */
export interface TsChildOptions {
  /** Extra environment variables for the child, added to this process's environment. Default: none. */
  env?: Record<string, string>;
}

/** A child `node` process running a TypeScript entry point. */
export interface TsChild {
  /** The child's PID. */
  readonly pid: number;
  /** Everything the child wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the first stdout line matching `pattern`; rejects if the child exits first or timeoutMs passes. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (null when a signal ended it) once the child exits. */
  exited(): Promise<number | null>;
  /** Sends `signal` (default SIGKILL) and waits for the child to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Runs a TypeScript file in a separate node process with the repo's `@tsakt/*` packages resolved to their sources;
 * the child's stdin is a pipe that closes when this process dies, which exitWithParent() turns into an exit.
 */
export function spawnTsChild(entry: string, args: readonly string[] = [], options: TsChildOptions = {}): TsChild {
  const child = spawn(process.execPath, ["--import", registerHooks, entry, ...args], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, ...options.env },
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn node for ${entry}`);
  trackPid(pid);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => untrackPid(pid));

  let out = "";
  let stdoutLines = "";
  const lineWaiters = new Set<(line: string) => void>();
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => (out += chunk));
  child.stdout.on("data", (chunk: string) => {
    out += chunk;
    stdoutLines += chunk;
    let newline = stdoutLines.indexOf("\n");
    while (newline >= 0) {
      const line = stdoutLines.slice(0, newline);
      stdoutLines = stdoutLines.slice(newline + 1);
      for (const waiter of lineWaiters) waiter(line);
      newline = stdoutLines.indexOf("\n");
    }
  });

  return {
    pid,
    output: () => out,
    waitForLine(pattern, timeoutMs = 15_000) {
      const seen = out.split("\n").find((line) => pattern.test(line));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const done = (): void => {
          clearTimeout(timer);
          lineWaiters.delete(onLine);
        };
        const onLine = (line: string): void => {
          if (!pattern.test(line)) return;
          done();
          resolve(line);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`child ${pid} printed no line matching ${pattern} within ${timeoutMs} ms; output:\n${out}`));
        }, timeoutMs);
        lineWaiters.add(onLine);
        void exited.then(() => {
          if (!lineWaiters.has(onLine)) return;
          done();
          reject(new Error(`child ${pid} exited (code ${child.exitCode}) before printing ${pattern}; output:\n${out}`));
        });
      });
    },
    exited: () => exited.then(() => child.exitCode),
    async kill(signal = "SIGKILL") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** Called by a child entry point: exits when the parent's pipe closes, and in any case after maxLifetimeMs. Default: 60000. */
export function exitWithParent(maxLifetimeMs = 60_000): void {
  process.stdin.on("end", () => process.exit(0));
  process.stdin.on("error", () => process.exit(0));
  process.stdin.resume();
  setTimeout(() => process.exit(0), maxLifetimeMs).unref();
}
