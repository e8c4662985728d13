// Runs a `run` block as its own Node process and checks what it printed.
import { spawn } from "node:child_process";
import { dirname } from "node:path";

/** What a run showed. */
export interface RunResult {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs `node <script>` in the script's folder; kills it (by its PID) after `timeoutMs`. */
export function runScript(script: string, timeoutMs: number): Promise<RunResult> {
  const env = { ...process.env };
  // vitest passes its own loader flags to children; a pasted program runs with plain node.
  delete env.NODE_OPTIONS;
  for (const key of Object.keys(env)) if (key.startsWith("VITEST")) delete env[key];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { cwd: dirname(script), env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (exitCode, signal) => {
      clearTimeout(timer);
      resolve({ exitCode, signal, timedOut, stdout, stderr, ms: Math.round(performance.now() - started) });
    });
  });
}

/**
 * The output a block promises: the trailing comment of each `console.log(…); // text` line is a line the program
 * must print, in that order.
 */
export function expectedOutput(code: string): string[] {
  const expected: string[] = [];
  for (const line of code.split("\n")) {
    const match = /^\s*console\.log\(.*\);?\s*\/\/\s?(.*)$/.exec(line);
    if (match !== null) expected.push((match[1] ?? "").trim());
  }
  return expected;
}

/** True for a warn or error line of TsAkt's default logger (JSON with "level"); a stack trace or plain text is not one. */
export function isLogLine(line: string): boolean {
  try {
    const level = (JSON.parse(line) as { level?: unknown }).level;
    return level === "warn" || level === "error";
  } catch {
    return false;
  }
}

/**
 * What is wrong with a run, or [] when it exited 0, printed nothing on stderr and printed every expected line in
 * order. With `allowLogs`, the logger's warn and error lines on stderr are tolerated (anything else there still fails).
 */
export function runProblems(result: RunResult, expected: readonly string[], timeoutMs: number, allowLogs = false): string[] {
  const problems: string[] = [];
  if (result.timedOut) problems.push(`did not exit within ${timeoutMs} ms (something keeps the event loop alive, or it hangs)`);
  else if (result.exitCode !== 0) problems.push(`exited with ${result.exitCode ?? result.signal}`);
  const stderr = result.stderr
    .split("\n")
    .filter((line) => line.trim() !== "" && !(allowLogs && isLogLine(line)))
    .join("\n");
  if (stderr !== "") problems.push(`wrote to stderr (a clean run logs nothing above info):\n${stderr}`);
  const lines = result.stdout.split("\n").map((l) => l.trim());
  let at = 0;
  for (const want of expected) {
    const found = lines.indexOf(want, at);
    if (found < 0) {
      problems.push(`did not print ${JSON.stringify(want)} (in order); stdout was:\n${result.stdout.trimEnd()}`);
      break;
    }
    at = found + 1;
  }
  return problems;
}

/** Starts `jobs` with at most `concurrency` running at once; returns each job's promise, in order. */
export function limited<T>(jobs: ReadonlyArray<() => Promise<T>>, concurrency: number): Promise<T>[] {
  const results: Promise<T>[] = [];
  let running = 0;
  const waiting: Array<() => void> = [];
  for (const job of jobs) {
    results.push(
      (async () => {
        if (running >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
        running++;
        try {
          return await job();
        } finally {
          running--;
          waiting.shift()?.();
        }
      })(),
    );
  }
  for (const result of results) result.catch(() => undefined);
  return results;
}
