import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";

const livePids = new Set<number>();
const tempDirs = new Set<string>();
/** Network namespaces by name, with the `ip` binary that deletes them. */
const namespaces = new Map<string, string>();
let hooked = false;

/** Records a child PID so it is SIGKILLed if this process exits before the test stops it. */
export function trackPid(pid: number): void {
  installHook();
  livePids.add(pid);
}

/** Forgets a PID once its process has exited. */
export function untrackPid(pid: number): void {
  livePids.delete(pid);
}

/** Records a temp dir so it is removed if this process exits before the test removes it. */
export function trackTempDir(dir: string): void {
  installHook();
  tempDirs.add(dir);
}

/** Removes a temp dir now and forgets it. */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** Records a network namespace so it is deleted (after the tracked PIDs are killed) if this process exits first. */
export function trackNetns(name: string, ipBinary: string): void {
  installHook();
  namespaces.set(name, ipBinary);
}

/** Forgets a network namespace once it was deleted. */
export function untrackNetns(name: string): void {
  namespaces.delete(name);
}

function cleanupNow(): void {
  for (const pid of livePids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  livePids.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
  if (namespaces.size > 0) {
    // One synchronous `ip` run for all of them ("exit" handlers cannot wait); -force goes on past a failing line.
    const ip = namespaces.values().next().value as string;
    const script = [...namespaces.keys()].map((name) => `netns del ${name}\n`).join("");
    spawnSync(ip, ["-force", "-batch", "-"], { input: script, stdio: ["pipe", "ignore", "ignore"] });
    namespaces.clear();
  }
}

// "exit" runs on every normal or error exit; for signals we clean up and, when nobody else handles the signal,
// re-raise it so the process still dies the way the sender intended.
function installHook(): void {
  if (hooked) return;
  hooked = true;
  process.on("exit", cleanupNow);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      cleanupNow();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}
