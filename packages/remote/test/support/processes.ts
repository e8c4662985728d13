import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { eventually as waitUntil } from "@tsakt/testkit";
import { afterAll } from "vitest";

const pkg = resolve(import.meta.dirname, "../..");
const root = resolve(pkg, "../..");
const fixtures = resolve(pkg, "test/fixtures");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds packages/remote (and what it references) into dist when src is newer, so child scripts run current code. */
export function ensureBuilt(): void {
  // tsc rewrites only what changed, so compare the newest output with the newest input.
  const fresh = (): boolean => {
    try {
      return (
        newestMtime(join(pkg, "dist")) >= newestMtime(join(pkg, "src")) &&
        newestMtime(join(root, "packages/actor/dist")) >= newestMtime(join(root, "packages/actor/src"))
      );
    } catch {
      return false;
    }
  };
  if (fresh()) return;
  // Test files run in parallel processes: one builds, the others wait for its lock to go away.
  const lock = join(pkg, ".build-lock");
  for (let i = 0; i < 600; i++) {
    try {
      mkdirSync(lock);
    } catch {
      execFileSync("sleep", ["0.1"]);
      continue;
    }
    try {
      if (!fresh()) execFileSync(join(root, "node_modules/.bin/tsc"), ["-b", pkg], { cwd: root, stdio: "inherit" });
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
    return;
  }
  throw new Error("timed out waiting for another test file to build packages/remote");
}

/** A TsAkt node running in a child process. */
export interface ChildNode {
  readonly process: ChildProcess;
  readonly pid: number;
  /** "tsakt://system@127.0.0.1:port". */
  readonly address: string;
  /** Everything the child wrote to stderr so far (its warn/error log lines). */
  stderr(): string;
  /** Resolves with the exit code or signal once the child exited. */
  readonly exited: Promise<string>;
  /** SIGKILLs the child (only this child, by PID) and waits for it to exit. */
  kill(): Promise<void>;
}

const children = new Set<ChildNode>();

afterAll(async () => {
  await Promise.all([...children].map((c) => c.kill()));
});

/** Starts test/fixtures/<script> with `config` in TSAKT_NODE (on the Node.js at `execPath`) and waits for its ready line. */
export async function startChild(
  script: string,
  config: Record<string, unknown>,
  extraArgs: string[] = [],
  execPath = process.execPath,
): Promise<ChildNode> {
  ensureBuilt();
  const proc = spawn(execPath, [...extraArgs, join(fixtures, script)], {
    cwd: pkg,
    env: { ...process.env, TSAKT_NODE: JSON.stringify(config) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  let out = "";
  proc.stderr?.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<string>((r) => proc.once("exit", (code, signal) => r(String(signal ?? code))));
  const ready = await new Promise<{ address: string; pid: number }>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`child ${script} not ready in 15 s; stderr: ${err}`)), 15_000);
    proc.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line !== undefined) {
        clearTimeout(timer);
        resolveReady(JSON.parse(line) as { address: string; pid: number });
      }
    });
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`child ${script} exited (${how}) before ready; stderr: ${err}`));
    });
  });
  const child: ChildNode = {
    process: proc,
    pid: ready.pid,
    address: ready.address,
    stderr: () => err,
    exited,
    async kill() {
      children.delete(child);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      await exited;
    },
  };
  children.add(child);
  return child;
}

/** Waits (testkit's eventually) until `check` returns a truthy value, and returns that value; fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
  what = "condition",
): Promise<NonNullable<T>> {
  let value: T | undefined;
  await waitUntil(what, async () => Boolean((value = await check())), { timeoutMs, intervalMs: 25 });
  return value as NonNullable<T>;
}

/** Waits (up to 5 s) for the first line `child` logged to stderr that contains `text`, and returns it. */
export function loggedLine(child: ChildNode, text: string, what = `a logged line with ${text}`): Promise<string> {
  return eventually(
    () =>
      child
        .stderr()
        .split("\n")
        .find((l) => l.includes(text)),
    5000,
    what,
  );
}
