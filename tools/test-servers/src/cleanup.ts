import { rmSync } from "node:fs";

const livePids = new Set<number>();
const tempDirs = new Set<string>();
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
